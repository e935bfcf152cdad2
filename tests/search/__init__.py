"""Tests of the search index (covid_portal.search_index)."""

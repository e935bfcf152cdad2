"""Federation: a node's identity and partners, federated search, and index exchange with the central portal.

- :mod:`covid_portal.federation.config`: the node and its partner portals (a TOML or JSON file), and
  adding a partner by URL after checking its catalogue and SPARQL service description;
- :mod:`covid_portal.federation.search`: the discovery API's ``federated=true`` fan-out and merge;
- :mod:`covid_portal.federation.index_export`: a node's records in the EBI Search index JSON shape;
- :mod:`covid_portal.federation.cli`: the ``export-index`` and ``partner`` commands.

Federated SPARQL itself is the endpoint's (``server.sparql``, ``server.service_gateway``).
"""

// Runs one SPARQL query with Comunica over the given SPARQL endpoints (federated by Comunica itself)
// and prints the answer as SPARQL JSON results. Usage: node comunica.mjs QUERY_FILE ENDPOINT...
import { readFileSync } from 'node:fs';
import { QueryEngine } from '@comunica/query-sparql';

const [queryFile, ...endpoints] = process.argv.slice(2);
const engine = new QueryEngine();
const result = await engine.query(readFileSync(queryFile, 'utf8'), {
  sources: endpoints.map((value) => ({ type: 'sparql', value })),
});
const { data } = await engine.resultToString(result, 'application/sparql-results+json');
data.pipe(process.stdout);

// Graph Data Science: the server's own algorithms, used to cross-check netinv's results on the same
// graph.  The projection aggregates calls per ordered pair of phones into a weight (the call count).

// name: project_gds_calls
MATCH (a:Phone)-[c:CALLED]->(b:Phone)
WITH a, b, toFloat(count(c)) AS weight
WITH gds.graph.project($graph_name, a, b, {relationshipProperties: {weight: weight}},
                       {undirectedRelationshipTypes: $undirected}) AS g
RETURN g.graphName AS graph_name, g.nodeCount AS nodes, g.relationshipCount AS relationships;

// name: stream_gds_pagerank
CALL gds.pageRank.stream($graph_name, {relationshipWeightProperty: 'weight', dampingFactor: $damping,
                                        maxIterations: $max_iterations, tolerance: $tolerance})
YIELD nodeId, score
RETURN gds.util.asNode(nodeId).number AS number, score;

// name: stream_gds_wcc
CALL gds.wcc.stream($graph_name)
YIELD nodeId, componentId
RETURN gds.util.asNode(nodeId).number AS number, componentId AS component;

// name: drop_gds_graph
CALL gds.graph.drop($graph_name, false) YIELD graphName
RETURN graphName AS graph_name;

// name: read_gds_version
RETURN gds.version() AS version;

// The calls as netinv's undirected measures and community splits see them: one undirected
// relationship per pair of phones that called each other either way, weighted by their calls.
// (The projection above keeps a -> b and b -> a apart: as undirected relationships they would be
// two parallel ties, counted twice on every shortest path through them.)
// name: project_gds_call_ties
MATCH (a:Phone)-[c:CALLED]-(b:Phone)
WHERE elementId(a) < elementId(b)
WITH a, b, toFloat(count(c)) AS weight
WITH gds.graph.project($graph_name, a, b, {relationshipProperties: {weight: weight}},
                       {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graph_name, g.nodeCount AS nodes, g.relationshipCount AS relationships;

// Exact shortest-path betweenness by hops (GDS halves it on undirected graphs: each pair counts once).
// name: stream_gds_betweenness
CALL gds.betweenness.stream($graph_name)
YIELD nodeId, score
RETURN gds.util.asNode(nodeId).number AS number, score;

// Harmonic closeness by hops: the mean of 1 / distance over all other nodes.
// name: stream_gds_harmonic
CALL gds.closeness.harmonic.stream($graph_name)
YIELD nodeId, score
RETURN gds.util.asNode(nodeId).number AS number, score;

// name: stream_gds_leiden
CALL gds.leiden.stream($graph_name, {relationshipWeightProperty: 'weight', gamma: $resolution,
                                     randomSeed: $seed, concurrency: 1})
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).number AS number, communityId AS community;

// Louvain takes no seed: its split may differ a little from one run to the next.
// name: stream_gds_louvain
CALL gds.louvain.stream($graph_name, {relationshipWeightProperty: 'weight', concurrency: 1})
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).number AS number, communityId AS community;

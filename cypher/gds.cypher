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

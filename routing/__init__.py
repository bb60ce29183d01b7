"""Road network, shortest-path engines and freight routing for Baotong."""

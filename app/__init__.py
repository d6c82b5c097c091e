"""SynapseAI server: store, indexer, web pages, JSON API and the `synapse` CLI."""

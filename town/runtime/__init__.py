"""The runtime: `Simulation` (engine + minds + in-flight LLM operations), `RunConfig`, run statistics and builders."""

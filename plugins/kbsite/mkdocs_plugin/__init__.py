"""The MkDocs adapter: mounts the content folders and runs the engine's checks in the build."""

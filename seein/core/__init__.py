"""The bottom layer: user-facing errors, progress callbacks, where files live, and the compute device."""

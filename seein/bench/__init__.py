"""Every benchmark: extraction, compute, analysis statistics, rendering and the app's views."""

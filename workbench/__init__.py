"""City AI Planning Workbench."""

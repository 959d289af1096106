"""Template plugin package for the City AI Planning Workbench.

One small, working example of every kind of plugin. Copy the folder, rename the package and
the entry points, and replace the bodies with your own components.
"""

__version__ = "0.1.0"

#: The workbench versions this package works with. The workbench checks it when it loads each
#: plugin (a mismatch marks the plugin broken with a clear reason and skips it).
requires_workbench = ">=0.1,<0.2"

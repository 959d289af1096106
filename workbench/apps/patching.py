"""Send only what changed to a served page: patch a deck.gl layer or a Bokeh figure in place.

Setting ``DeckGL.object`` makes Panel rebuild every layer's data source from its frame,
compare every column with what the browser has and resend the layer list; a weight move
changes only a few columns of one layer (scores, tiers, sizes, colours). :func:`patch_deck_layer`
updates the pane's object without those watchers and writes the changed columns straight into
the layer's Bokeh ``ColumnDataSource`` of every page showing the pane, the way Panel itself
applies an update (on the server's event loop when the page is served), so Bokeh sends only
those columns. :func:`refresh_figure` does the same for a Bokeh figure redrawn with new numbers
but the same glyphs: its data sources, title and ranges are updated instead of a new figure
being built into the page; :func:`patch_figure` takes the new numbers without a figure drawn
at all (cheaper still); :func:`replace_table_page` resends only the visible page of a
paged table whose rows moved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import param


def _changed_columns(before: pd.DataFrame, after: pd.DataFrame) -> list[str] | None:
    """Return the columns of ``after`` that differ from ``before`` (``None``: other shape)."""
    if (
        before is None
        or before.empty
        or len(before) != len(after)
        or list(before.columns) != list(after.columns)
        or "code" not in after.columns
        or not before["code"].equals(after["code"])
    ):
        return None
    return [c for c in after.columns if not before[c].equals(after[c])]


def patch_deck_layer(
    pane: Any,
    spec: dict[str, Any],
    layer_id: str,
    before: pd.DataFrame,
    after: pd.DataFrame,
    columns: Sequence[str] | None = None,
) -> bool:
    """Show ``spec`` in a ``DeckGL`` pane by patching one layer's changed columns.

    Parameters
    ----------
    pane
        A :class:`panel.pane.DeckGL` whose object is a dict spec.
    spec
        The new spec: the same as the pane's except for the data of layer ``layer_id``.
    layer_id
        The ``id`` of the layer whose data changed.
    before, after
        That layer's data frame as shown and as it should be (same rows, by ``code``).
    columns
        The columns that may have changed, when the caller knows (the rows are then taken
        as the same and only these are compared); ``None`` compares every column.

    Returns
    -------
    bool
        ``False`` when the change is not a patch (other rows or columns, a notebook page, a
        layer not found): the caller then sets ``pane.object = spec``.
    """
    from panel.io.state import state

    if columns is not None:
        same_rows = before is not None and len(before) == len(after) and not before.empty
        # of the columns that may have changed, send those that did (tiers often stay)
        changed = [c for c in columns if not before[c].equals(after[c])] if same_rows else None
    else:
        changed = _changed_columns(before, after)
    if changed is None:
        return False
    targets = []
    for ref, (model, _parent) in list(pane._models.items()):  # noqa: SLF001 - Panel's own map
        view = state._views.get(ref)  # noqa: SLF001
        if view is None or view[3] is not None:  # not a page, or a notebook comm: no patch
            return False
        index = next(
            (
                layer.get("data")
                for layer in model.layers
                if layer.get("id") == layer_id and isinstance(layer.get("data"), int)
            ),
            None,
        )
        if index is None or index >= len(model.data_sources):
            return False
        targets.append((model.data_sources[index], view[2]))
    with param.discard_events(pane):  # the pane's own watchers would resend everything
        pane.object = spec
    if not changed:
        return True
    update = {c: after[c].to_numpy() for c in changed}

    for source, doc in targets:

        def apply(source: Any = source) -> None:
            source.data.update(update)

        _apply(doc, apply)  # on another thread, the server's loop applies it (as Panel does)
    return True


def replace_table_page(
    table: Any, frame: pd.DataFrame, arrays: Mapping[str, np.ndarray] | None = None
) -> bool:
    """Show ``frame`` in a remote-paged ``Tabulator`` by resending only its visible page.

    Setting ``Tabulator.value`` also rebuilds the column configuration, the cell styles, the
    selectable rows and the page count, and sends them all; when the new rows have the
    columns and the number of rows of the shown ones (a weight move reorders the ranking),
    only the page on screen changes. The table's value is replaced without its watchers, its
    selection cleared (a selected row index would now point at another city) and the new
    page sent through Panel's own update path (on the server's loop when served).

    Parameters
    ----------
    table
        A :class:`panel.widgets.Tabulator` with ``pagination="remote"``.
    frame
        The new rows.
    arrays
        ``frame``'s columns as NumPy arrays (object arrays for text), when the caller has
        them: a page in row order is then sliced from them instead of from the frame.

    Returns
    -------
    bool
        ``False`` when this is not a page replacement (other columns or length, filters, a
        notebook page, no remote pagination): the caller then sets ``table.value = frame``.
    """
    from panel.io.state import state

    current = table.value
    if (
        table.pagination != "remote"
        or table.filters
        or current is None
        or current.empty
        or len(current) != len(frame)
        or list(current.columns) != list(frame.columns)
        or not table._models  # noqa: SLF001 - not on any page yet
    ):
        return False
    for ref in table._models:  # noqa: SLF001 - Panel's own map of pages
        view = state._views.get(ref)  # noqa: SLF001
        if view is None or view[3] is not None:  # not a page, or a notebook comm: no patch
            return False
    with param.discard_events(table):
        table.value = frame
        table.selection = []
    processed, data = _page_data(table, frame, arrays)
    table._processed = processed  # noqa: SLF001
    table._update_index_mapping()  # noqa: SLF001
    table._data = data  # noqa: SLF001
    for ref, (model, _parent) in list(table._models.items()):  # noqa: SLF001
        table._apply_update({}, {"data": data}, model.source, ref)  # noqa: SLF001
        table._apply_update({}, {"indices": []}, model.source.selected, ref)  # noqa: SLF001
    return True


def _page_data(
    table: Any, frame: pd.DataFrame, arrays: Mapping[str, np.ndarray] | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Return ``frame`` sorted as the table's header asks and the columns of its shown page.

    What ``Tabulator._get_data`` gives under remote pagination, without Bokeh's
    ``ColumnDataSource.from_df`` (it copies and converts the frame: ~2 ms for ten rows).
    Frames with a named or multi-level index take Panel's own path.
    """
    if frame.index.name is not None or frame.index.nlevels > 1 or "index" in frame.columns:
        return table._get_data()  # noqa: SLF001
    rows = int(table.page_size or table.initial_page_size)
    start = (int(table.page) - 1) * rows
    if arrays is not None and not table.sorters and isinstance(frame.index, pd.RangeIndex):
        stop = min(start + rows, len(frame))
        sliced: dict[str, Any] = {"index": frame.index.to_numpy()[start:stop]}
        for column in frame.columns:
            values: Any = np.asarray(arrays[column])[start:stop]
            if values.dtype == object:
                values = np.where(pd.isna(values), None, values)  # missing text: null
            sliced[str(column)] = values
        return frame, sliced
    ordered = table._sort_df(frame)  # noqa: SLF001 - the header's sorters, as Panel applies them
    page = ordered.iloc[start : start + rows]
    data: dict[str, Any] = {"index": page.index.to_numpy()}
    for column in page.columns:
        series = page[column]
        if series.dtype.kind in "iuf" and not isinstance(series.dtype, np.dtype):
            values = series.to_numpy(dtype=float, na_value=np.nan)  # nullable numbers: NaN
        else:
            values = series.to_numpy()
        data[str(column)] = table._process_column(values, column, page)  # noqa: SLF001
    return ordered, data


def _apply(doc: Any, apply: Any) -> None:
    """Run ``apply`` now if this thread may change ``doc``, else on the server's loop."""
    from panel.io.document import unlocked
    from panel.io.state import state

    if doc is None or state._unblocked(doc) or not doc.session_context:  # noqa: SLF001
        with unlocked():
            apply()
    else:
        doc.add_next_tick_callback(apply)


def _same_glyphs(old: Any, new: Any) -> bool:
    """Whether two figures draw the same glyphs with the same settings (data aside)."""
    from bokeh.models.renderers import GlyphRenderer
    from bokeh.models.sources import ColumnDataSource

    if type(old) is not type(new) or len(old.renderers) != len(new.renderers):
        return False
    for a, b in zip(old.renderers, new.renderers, strict=True):
        if not (isinstance(a, GlyphRenderer) and isinstance(b, GlyphRenderer)):
            return False
        if type(a.glyph) is not type(b.glyph):
            return False
        if a.glyph.properties_with_values(include_defaults=False) != b.glyph.properties_with_values(
            include_defaults=False
        ):
            return False
        if not (
            isinstance(a.data_source, ColumnDataSource)
            and isinstance(b.data_source, ColumnDataSource)
        ):
            return False  # only column data is patched
        if set(a.data_source.data) != set(b.data_source.data):
            return False
    if _legend_labels(old) != _legend_labels(new):
        return False  # e.g. another city names the first series: redraw, legends are not patched
    return type(old.x_range) is type(new.x_range) and type(old.y_range) is type(new.y_range)


def _legend_labels(fig: Any) -> list[str]:
    """Return the labels of a figure's legend items, in order (empty without a legend)."""
    return [str(item.label) for item in _legend_items(fig)]


def refresh_figure(pane: Any, new: Any, same_look: bool = True) -> None:
    """Show figure ``new`` in a Bokeh pane, patching the figure shown when only data changed.

    Parameters
    ----------
    pane
        A :class:`panel.pane.Bokeh`.
    new
        The figure as freshly drawn.
    same_look
        ``False`` when the theme or language changed since the shown figure was drawn: the
        figure is then replaced (styles and labels are not patched).
    """
    from bokeh.models import FactorRange

    old = pane.object
    if old is None or not same_look or old.document is None or not _same_glyphs(old, new):
        pane.object = new
        return
    ranges = {}
    for attr in ("x_range", "y_range"):
        r_new = getattr(new, attr)
        names = ("factors",) if isinstance(r_new, FactorRange) else ("start", "end")
        ranges[attr] = {name: getattr(r_new, name) for name in names}
    title = new.title.text if new.title is not None else None
    _patch(old, [r.data_source.data for r in new.renderers], ranges, title, None)


def patch_figure(
    pane: Any,
    sources: Sequence[Mapping[str, Any]],
    *,
    ranges: Mapping[str, Mapping[str, Any]] | None = None,
    title: str | None = None,
    legend: Sequence[str] | None = None,
    same_look: bool = True,
) -> bool:
    """Put new numbers into the figure a Bokeh pane shows, without drawing a new figure.

    Drawing a Bokeh figure costs tens of milliseconds of the server's time; a figure whose
    glyphs stay the same (a new ranking, another city) only needs its columns, ranges, title
    and legend text changed, and Bokeh then sends only what changed.

    Parameters
    ----------
    pane
        A :class:`panel.pane.Bokeh` showing a figure.
    sources
        The new columns of each glyph renderer's data source, in the figure's order (the same
        column names as the figure has).
    ranges
        New range properties, for example ``{"x_range": {"factors": [...]}, "y_range":
        {"start": 0.0}}``.
    title
        The new title text.
    legend
        The new text of each legend item, in order.
    same_look
        ``False`` when the theme or language changed since the figure was drawn.

    Returns
    -------
    bool
        ``False`` when nothing was patched (no figure yet, another look, other glyphs or
        legend): the caller then draws a new figure.
    """
    from bokeh.models.renderers import GlyphRenderer
    from bokeh.models.sources import ColumnDataSource

    old = pane.object
    if old is None or not same_look or old.document is None:
        return False
    renderers = list(old.renderers)
    if len(renderers) != len(sources):
        return False
    for renderer, columns in zip(renderers, sources, strict=True):
        if not (
            isinstance(renderer, GlyphRenderer)
            and isinstance(renderer.data_source, ColumnDataSource)
            and set(renderer.data_source.data) == set(columns)
        ):
            return False
    if legend is not None and len(_legend_items(old)) != len(legend):
        return False
    _patch(old, sources, ranges or {}, title, legend)
    return True


def _legend_items(fig: Any) -> list[Any]:
    """Return the items of a figure's legends, in order (its side panels and centre only).

    ``fig.select`` would walk every model the figure refers to (about ten milliseconds).
    """
    from bokeh.models.annotations import Legend

    panels = (*fig.center, *fig.above, *fig.below, *fig.left, *fig.right)
    return [item for legend in panels if isinstance(legend, Legend) for item in legend.items]


def _patch(
    old: Any,
    sources: Sequence[Mapping[str, Any]],
    ranges: Mapping[str, Mapping[str, Any]],
    title: str | None,
    legend: Sequence[str] | None,
) -> None:
    """Write what differs from ``old`` into it, on the server's loop when the page is served."""
    from bokeh.core.property.vectorization import value

    changes = []
    for renderer, columns in zip(old.renderers, sources, strict=True):
        data = renderer.data_source.data
        changed = {c: v for c, v in columns.items() if not _equal(data.get(c), v)}
        if changed:
            changes.append((renderer.data_source, changed))
    new_ranges = [
        (getattr(old, attr), name, v)
        for attr, props in ranges.items()
        for name, v in props.items()
        if getattr(getattr(old, attr), name) != v
    ]
    items = _legend_items(old) if legend is not None else []
    labels = [
        (item, text)
        for item, text in zip(items, legend or (), strict=False)
        if str(getattr(item.label, "value", item.label)) != text
    ]

    def apply() -> None:
        # the factors first: the bars' x values must be among them when the data arrives
        for target, name, v in new_ranges:
            setattr(target, name, v)
        for source, changed in changes:
            source.data.update(changed)
        for item, text in labels:
            item.label = value(text)
        if old.title is not None and title is not None and old.title.text != title:
            old.title.text = title

    _apply(old.document, apply)


def _equal(a: Any, b: Any) -> bool:
    import numpy as np

    if a is None:
        return False
    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    except (ValueError, TypeError):
        return False


__all__ = ["patch_deck_layer", "patch_figure", "refresh_figure"]

"""Accessible names the page's third-party widgets leave out, added in the browser.

Bokeh's sliders (noUiSlider handles), the up/down buttons of its number inputs, Tabulator's
grid and the Bootstrap template's sidebar list reach the page without an accessible name or
with roles a screen reader cannot follow (axe-core reports them as serious or critical). The
workbench cannot change that markup from Python, so a small script fixes it where it is drawn:
each slider handle is named after its slider's title, the spin buttons are named (and left out
of the tab order: the arrow keys in the field do the same), icon buttons (the player's) are
named after their action, the chips of a multiple choice drop an ``aria-selected`` their role
does not allow, the grid's dangling ``aria-owns`` is dropped (its focusable scrolling body
becomes a row group, a paged grid's footer a row whose cells hold the page buttons) and the
sidebar's list is marked presentational. Bokeh draws into shadow roots, so the script walks
them; it runs when the page is ready and every 1.5 s after.
"""

from __future__ import annotations

from typing import Any

#: The script run in the page (plain JavaScript, no dependency).
A11Y_JS = r"""
const fix = (root) => {
  root.querySelectorAll('.noUi-handle:not([aria-label])').forEach((h) => {
    const host = h.getRootNode();
    const title = host.querySelector ? host.querySelector('.bk-slider-title') : null;
    const text = title ? title.textContent.replace(/:\s*[^:]*$/, '').trim() : '';
    h.setAttribute('aria-label', text || 'Slider');
  });
  root.querySelectorAll('button.bk-spin-btn:not([aria-label])').forEach((b) => {
    const up = b.classList.contains('bk-spin-btn-up');
    b.setAttribute('aria-label', up ? 'Increase' : 'Decrease');
    b.setAttribute('tabindex', '-1');
  });
  root.querySelectorAll('.tabulator[role="grid"]').forEach((g) => {
    g.removeAttribute('aria-owns');
    // a paged table's footer (its page buttons) is owned by the grid: make it a row whose
    // cells hold the buttons, which a grid allows (a bare button in a grid is not)
    g.querySelectorAll(':scope > .tabulator-footer:not([role])').forEach((f) => {
      f.setAttribute('role', 'row');
      f.querySelectorAll(':scope > .tabulator-footer-contents > *').forEach((c) => {
        c.setAttribute('role', 'gridcell');
      });
    });
    g.querySelectorAll(':scope > .tabulator-tableholder:not([role])').forEach((t) => {
      t.setAttribute('role', 'rowgroup');
      t.querySelectorAll(':scope > .tabulator-table[role="rowgroup"]').forEach((b) => {
        b.setAttribute('role', 'none');
      });
    });
  });
  root.querySelectorAll('button:not([aria-label])').forEach((b) => {
    if (!b.textContent.trim() && b.className) {  // icon buttons (the player's)
      const name = b.className.split(' ')[0];
      b.setAttribute('aria-label', name.charAt(0).toUpperCase() + name.slice(1));
    }
  });
  root.querySelectorAll('.choices__list--multiple .choices__item[aria-selected]').forEach((i) => {
    i.removeAttribute('aria-selected');  // a chosen chip, not an option of a list box
  });
  root.querySelectorAll('input[type="range"]:not([aria-label])').forEach((r) => {
    r.setAttribute('aria-label', 'Position');
  });
  root.querySelectorAll('ul.nav:not([role])').forEach((u) => u.setAttribute('role', 'none'));
  root.querySelectorAll('*').forEach((e) => { if (e.shadowRoot) fix(e.shadowRoot); });
};
if (!window.__workbenchA11y) {
  window.__workbenchA11y = () => fix(document);  // also run by the browser tests before a check
  fix(document);
  setInterval(() => fix(document), 1500);
}
"""


def install(doc: Any = None) -> bool:
    """Run :data:`A11Y_JS` in the served page once its document is ready.

    Parameters
    ----------
    doc
        The page's Bokeh document; the current session's when ``None``.

    Returns
    -------
    bool
        Whether there was a served page to install it in (not inline in a notebook).
    """
    import panel as pn
    from bokeh.models import CustomJS

    doc = doc if doc is not None else pn.state.curdoc
    if doc is None or doc.session_context is None:
        return False
    doc.js_on_event("document_ready", CustomJS(code=A11Y_JS))
    return True


__all__ = ["A11Y_JS", "install"]

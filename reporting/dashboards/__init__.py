"""The dashboards' area: the figures per level (``selectors``), the consistent cache (``cache``),
the pages and their downloads (``views``, ``urls``), SVG charts and the tile map (``charts``,
``maps``) and the home-page panel (``home``). Figures reuse ``reporting.rules``."""

"""SPM Award: Bangda's yearly configuration, each region's scored components, the ranking."""

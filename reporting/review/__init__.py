"""The review chain's area: the verifier's and the province's pages (``views``), what they read
(``selectors``), section notes (``services``), its URLs and its home-page panel (``home``).
The steps themselves are ``reporting.workflow``'s transition table."""

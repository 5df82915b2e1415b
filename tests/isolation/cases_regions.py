from tests.isolation.expect import EVERYONE
from tests.isolation.framework import Case

CASES = [
    Case("home", allowed=EVERYONE),
    Case("switch_role", allowed=EVERYONE, method="post", data=lambda: {"membership": "0"}),
]

"""An app written with Authlib (an independent OAuth 2.0 client) against a
running Portico: authorization code with PKCE and a state that must come
back byte for byte, a registered redirect URL with a percent-encoded query,
introspection, refresh, revocation, and a call without the client secret.

Run by tests/it/interop.rs:
    authlib_client.py BASE CLIENT_ID CLIENT_SECRET REDIRECT_URI COOKIE
Prints "ok" when every step behaved; any failure raises.
"""

import html.parser
import os
import sys

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

# The test server speaks plain http on 127.0.0.1.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
TIMEOUT = 15

base, client_id, client_secret, redirect_uri, cookie = sys.argv[1:6]
# Decoded twice it would read "ret=%2Fdash" and Authlib would raise
# MismatchingStateException.
state = "ret%3D%252Fdash"


class HiddenFields(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            self.fields.append((attrs["name"], attrs.get("value", "")))


client = OAuth2Session(
    client_id,
    client_secret,
    redirect_uri=redirect_uri,
    code_challenge_method="S256",
    token_endpoint_auth_method="client_secret_basic",
)
verifier = "v" * 20 + "dBjftJeZ4CVP-mB92K27uhbUJU1p1r"
url, sent_state = client.create_authorization_url(
    base + "/oauth/authorize", state=state, code_verifier=verifier
)
assert sent_state == state, sent_state

# The user's browser: the consent page, then Allow.
browser = requests.Session()
headers = {"Cookie": cookie, "Accept": "text/html"}
page = browser.get(url, headers=headers, timeout=TIMEOUT)
assert page.status_code == 200, (page.status_code, page.text[:800])
form = HiddenFields()
form.feed(page.text)
assert ("state", state) in form.fields, form.fields
answer = browser.post(
    base + "/oauth/authorize",
    data=form.fields + [("decision", "allow")],
    headers={**headers, "Sec-Fetch-Site": "same-origin"},
    allow_redirects=False,
    timeout=TIMEOUT,
)
assert answer.status_code == 302, (answer.status_code, answer.text[:800])
location = answer.headers["Location"]
assert location.startswith(redirect_uri + "&code="), location

# Authlib checks the state and sends redirect_uri and the verifier.
token = client.fetch_token(
    base + "/oauth/token",
    authorization_response=location,
    state=state,
    code_verifier=verifier,
    timeout=TIMEOUT,
)
assert token["token_type"].lower() == "bearer", token
assert token.get("refresh_token"), token

seen = client.introspect_token(
    base + "/oauth/introspect", token=token["access_token"], timeout=TIMEOUT
).json()
assert seen["active"] is True and seen["token_type"] == "Bearer", seen

fresh = client.refresh_token(
    base + "/oauth/token", refresh_token=token["refresh_token"], timeout=TIMEOUT
)
assert fresh["refresh_token"] != token["refresh_token"], fresh

# The same client without its secret is refused.
bare = OAuth2Session(client_id, token_endpoint_auth_method="none")
try:
    bare.refresh_token(
        base + "/oauth/token", refresh_token=fresh["refresh_token"], timeout=TIMEOUT
    )
    raise AssertionError("a refresh without the client secret was accepted")
except AuthlibBaseError as err:
    assert err.error == "invalid_client", err

revoked = client.revoke_token(
    base + "/oauth/revoke",
    token=fresh["refresh_token"],
    token_type_hint="refresh_token",
    timeout=TIMEOUT,
)
assert revoked.status_code == 200, (revoked.status_code, revoked.text)
seen = client.introspect_token(
    base + "/oauth/introspect", token=fresh["access_token"], timeout=TIMEOUT
).json()
assert seen == {"active": False}, seen
print("ok")

"""On Redis, a socket's read of its channel is ended by the layer's blocking
pop, not by the client's read timeout: an idle socket stays open (it used to
fail with 1011 every 5 s)."""

import json

from tests.test_settings import run_python

CODE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.CHANNEL_LAYERS['default']['CONFIG']['hosts']))"
)


def test_the_redis_layer_has_no_read_timeout_of_its_own():
    result = run_python(CODE, REDIS_URL="redis://127.0.0.1:6379/0")
    [host] = json.loads(result.stdout)
    assert host == {"address": "redis://127.0.0.1:6379/0", "socket_timeout": None}, result.stderr

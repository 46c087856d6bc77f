"""The parts of Channels that realtime/ overrides or relies on beyond its
documented API, as Channels 4.3 has them (pyproject.toml pins the minor
version). A failure here means an upgrade changed one of them: read the new
Channels code before changing the test."""

import inspect

from channels.consumer import AsyncConsumer, get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from channels.security.websocket import OriginValidator
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubLoopLayer

from realtime.consumers import StreamConsumer
from realtime.layers import SweptInMemoryChannelLayer
from realtime.origins import SiteOriginValidator


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def names_used(function) -> set[str]:
    """Globals and attributes a function's code refers to."""
    return set(function.__code__.co_names)


def test_get_handler_name_maps_a_type_to_a_method_name():
    """StreamConsumer.dispatch finds its handlers with it."""
    assert get_handler_name({"type": "stream.event"}) == "stream_event"
    assert parameters(get_handler_name) == ["message"]


def test_stock_dispatch_is_what_stream_consumer_dispatch_replaces():
    """StreamConsumer.dispatch is Channels' dispatch minus
    `aclose_old_connections()`: if the stock one starts doing anything else,
    the override would skip it."""
    assert parameters(AsyncConsumer.dispatch) == ["self", "message"]
    assert names_used(AsyncConsumer.dispatch) == {
        "getattr",
        "get_handler_name",
        "aclose_old_connections",
        "ValueError",
    }
    assert AsyncWebsocketConsumer.dispatch is AsyncConsumer.dispatch
    assert parameters(StreamConsumer.dispatch) == parameters(AsyncConsumer.dispatch)


def test_call_runs_the_consumer_and_sets_up_its_channel():
    """StreamConsumer.__call__ wraps it to let go of the socket however it
    ends; the socket uses the channel layer and channel name it sets."""
    assert AsyncWebsocketConsumer.__call__ is AsyncConsumer.__call__
    assert inspect.iscoroutinefunction(AsyncConsumer.__call__)
    assert parameters(AsyncConsumer.__call__) == ["self", "scope", "receive", "send"]
    assert parameters(StreamConsumer.__call__) == parameters(AsyncConsumer.__call__)
    assert {"channel_layer", "channel_name", "dispatch"} <= names_used(AsyncConsumer.__call__)


def test_websocket_hooks_and_calls_keep_their_signatures():
    """The hooks StreamConsumer overrides, and the keywords it calls with."""
    ws = AsyncWebsocketConsumer
    assert parameters(ws.connect) == ["self"]
    assert parameters(ws.receive) == ["self", "text_data", "bytes_data"]
    assert parameters(ws.disconnect) == ["self", "code"]
    assert parameters(ws.accept)[:1] == ["self"]
    assert "code" in parameters(ws.close)
    assert "text_data" in parameters(ws.send)
    assert "receive" in names_used(ws.websocket_receive)
    assert "disconnect" in names_used(ws.websocket_disconnect)
    assert "connect" in names_used(ws.websocket_connect)


def test_in_memory_layer_sweeps_through_the_two_methods_overridden():
    """SweptInMemoryChannelLayer overrides `_clean_expired` (run on every
    receive and group_send) and `_remove_from_groups` (run for an expired
    message)."""
    layer = InMemoryChannelLayer
    assert parameters(layer._clean_expired) == ["self"]
    assert parameters(layer._remove_from_groups) == ["self", "channel"]
    assert "_clean_expired" in names_used(layer.receive)
    assert "_clean_expired" in names_used(layer.group_send)
    assert "_remove_from_groups" in names_used(layer._clean_expired)
    assert parameters(SweptInMemoryChannelLayer._clean_expired) == ["self"]
    assert parameters(SweptInMemoryChannelLayer._remove_from_groups) == ["self", "channel"]


def test_layers_offer_what_the_fan_out_calls():
    """realtime/fanout.py and the consumers call these on every layer the
    settings may name (the pub/sub layer hands every call to a loop layer);
    `group_expiry` is read where the layer has one."""
    for layer in (InMemoryChannelLayer, RedisChannelLayer, RedisPubSubLoopLayer):
        for method in ("new_channel", "group_add", "group_discard", "group_send", "receive"):
            assert inspect.iscoroutinefunction(getattr(layer, method)), (layer, method)
        assert inspect.iscoroutinefunction(layer.send)
    assert InMemoryChannelLayer().group_expiry == 86400
    assert RedisChannelLayer().group_expiry == 86400


def test_origin_validator_checks_through_the_methods_used():
    """SiteOriginValidator passes `allowed_origins` to the stock constructor,
    overrides `validate_origin` and calls `match_allowed_origin`."""
    assert parameters(OriginValidator.__init__) == ["self", "application", "allowed_origins"]
    assert parameters(OriginValidator.validate_origin) == ["self", "parsed_origin"]
    assert parameters(OriginValidator.match_allowed_origin) == ["self", "parsed_origin", "pattern"]
    assert "validate_origin" in names_used(OriginValidator.valid_origin)
    assert "valid_origin" in names_used(OriginValidator.__call__)
    assert parameters(SiteOriginValidator.validate_origin) == ["self", "parsed_origin"]

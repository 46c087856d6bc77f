import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from bench.peer.models import Message


class RoomConsumer(AsyncWebsocketConsumer):
    """The tutorial's ChatConsumer (docs/tutorial/part_3), writing each message first."""

    async def connect(self):
        self.room = self.scope["url_route"]["kwargs"]["room"]
        self.group = f"peer.{self.room}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        message = json.loads(text_data)
        await self.save(message)
        await self.channel_layer.group_send(
            self.group, {"type": "room.message", "message": message}
        )

    async def room_message(self, event):
        await self.send(text_data=json.dumps(event["message"]))

    @database_sync_to_async
    def save(self, message):
        Message.objects.create(
            room=self.room, kind=str(message.get("type", "")), text=str(message.get("text", ""))
        )

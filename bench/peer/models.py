from django.db import models


class Message(models.Model):
    """One frame a peer client sent to its room, stored as it came."""

    room = models.CharField(max_length=50)
    kind = models.CharField(max_length=30)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.room}: {self.kind}"

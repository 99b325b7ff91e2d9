"""Scenes, playlists and the control state of the video wall.

Models hold fields and single-row rules; what a layout may contain is checked by `wall.layout`
(called from the admin form and from `Scene.clean`), and playback arithmetic lives in `wall.playback`.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from wall.layout import validate_layout


class Scene(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    # {"grid": {"rows", "cols"}, "screens": {"rows", "cols"}, "panels": [...]}: see wall/layout.py.
    layout = models.JSONField(default=dict)
    # The "now" its time windows are measured from. Empty = settings.WALL_NOW, or the real time.
    # The demo world's data is from 2022, so its scenes carry a reference time.
    as_of = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.slug} ({self.title_vi})"

    def clean(self) -> None:
        try:
            validate_layout(self.layout)
        except ValidationError as error:
            raise ValidationError({"layout": error.messages}) from error


class Playlist(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    scenes = models.ManyToManyField(Scene, through="PlaylistEntry", related_name="playlists")

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.slug} ({self.title_vi})"


class PlaylistEntry(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="entries")
    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    duration_seconds = models.PositiveIntegerField(default=60, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["playlist", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(duration_seconds__gte=1), name="wall_entry_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.playlist_id}#{self.order}: {self.scene_id} {self.duration_seconds}s"


class WallState(models.Model):
    """Where a playlist is, for every wall that plays it. Changed only by `wall.control`, which locks
    the row; `revision` goes up with each command so a wall can tell a command from the clock."""

    playlist = models.OneToOneField(Playlist, on_delete=models.CASCADE, related_name="state")
    position = models.PositiveIntegerField(default=0)
    # When the scene at `position` started; positions after it follow from the durations.
    started_at = models.DateTimeField()
    paused = models.BooleanField(default=False)
    revision = models.PositiveBigIntegerField(default=1)
    changed_by = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"{self.playlist_id} @ {self.position}{' (paused)' if self.paused else ''}"

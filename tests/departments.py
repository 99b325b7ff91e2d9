"""Departments for tests: a department is a group whose stewards may write the layers it owns."""

from django.contrib.auth.models import Group, User

from layers.models import Department, Layer


def make_department(code: str, *, name: str | None = None, stewards: tuple[User, ...] = (),
                    owns: tuple[Layer, ...] = ()) -> Department:
    """A department `code` (its group named after it), with `stewards` as members holding the steward
    role, owning `owns`."""
    group, _ = Group.objects.get_or_create(name=f"dept-{code}")
    department, _ = Department.objects.get_or_create(
        code=code, defaults={"group": group, "name_vi": name or f"Sở {code}", "name_en": name or f"Department {code}"})
    for user in stewards:
        make_steward(department, user)
    for layer in owns:
        Layer.objects.filter(pk=layer.pk).update(owner=department)
        layer.owner = department
    return department


def make_steward(department: Department, user: User) -> User:
    user.groups.add(department.group)
    department.stewards.add(user)
    if hasattr(user, "_geo_ioc_group_ids"):
        del user._geo_ioc_group_ids  # layers.access caches a caller's groups on the object
    return user

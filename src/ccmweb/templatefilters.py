"""Template filters every template may use (settings: TEMPLATES builtins).

`css_string`: a value written inside a CSS string (`content: "{{ name|css_string }}"`). HTML
escaping is no defence there: a `<style>` element is raw text, so a newline or a backslash in
the value ends the string and what follows is read as CSS (`@import url(…)`). Every character
but letters, digits and spaces is written as a CSS escape (`\\22 `, `\\a `), so the value can
only ever be text.
"""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter(is_safe=True)
def css_string(value: object) -> SafeString:
    """VALUE escaped for the inside of a double-quoted CSS string."""
    text = "" if value is None else str(value)
    escaped = "".join(
        char if char.isascii() and (char.isalnum() or char == " ") else f"\\{ord(char):x} "
        for char in text
    )
    return mark_safe(escaped)  # only letters, digits, spaces and hex escapes remain

"""The app's template filters (ccmweb.templatefilters) give what Django's own tags give."""

import uuid

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from ccmweb.templatefilters import patient_url


@pytest.mark.parametrize("name", ["patients:detail", "timelog:outreach", "timelog:add_time"])
def test_patient_url_is_what_the_url_tag_reverses(name):
    for uid in (uuid.uuid4(), uuid.uuid4(), str(uuid.uuid4())):
        tag = Template(f"{{% url '{name}' uid %}}").render(Context({"uid": uid}))
        assert patient_url(uid, name) == reverse(name, args=[uid]) == tag


def test_patient_url_follows_the_script_prefix():
    uid = uuid.uuid4()
    try:
        set_script_prefix("/ccm/")
        assert patient_url(uid, "patients:detail") == f"/ccm/patients/{uid}/"
    finally:
        set_script_prefix("/")
    assert patient_url(uid, "patients:detail") == f"/patients/{uid}/"

"""An administrator uploads a folder mixing FHIR versions (DSTU2, STU3 and R4 shapes) and reads
the grouped report: nothing well-formed rejected, every guess a warning grouped by reason."""

import json
import re

from playwright.sync_api import expect

from ccmweb.testing.mixed_fhir import mixed_version_folder as _folder


def test_admin_uploads_a_mixed_version_folder_and_reads_the_grouped_report(
    page, live_server, cast, log_in, tmp_path
):  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    broken = json.loads((folder / "partb.json").read_text())
    del broken["entry"][0]["resource"]["birthDate"]
    broken["entry"][0]["resource"]["id"] = "nobirth"
    (folder / "nobirth.json").write_text(json.dumps(broken))
    log_in(page, live_server, cast.acme.admin.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    page.get_by_label("Format").select_option("fhir")
    page.get_by_label(re.compile("^Files")).set_input_files(
        sorted(str(p) for p in folder.iterdir())
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator("main")).to_contain_text("Done")
    main = page.locator("main")
    expect(main).to_contain_text("Patients: 7 created")
    rejected = page.locator("#rejected-groups")
    expect(rejected).to_contain_text("Patient.birthDate: missing")
    warnings = page.locator("#warning-groups")
    expect(warnings).to_contain_text(
        "Condition.clinicalStatus: a code string (FHIR STU3/DSTU2 shape) read as the code"
    )
    expect(page.locator("#import-eligibility")).to_contain_text("medicare_advantage")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download every rejection")).click()
    assert download.value.suggested_filename.endswith("-problems.csv")

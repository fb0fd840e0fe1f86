"""Masking reporters' contact data wherever it is written outside the case panel's audited reveal."""

from geo.domain.personal_data import mask_contact_fields, mask_email


def test_an_email_keeps_its_first_letter_and_provider_only():
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert (mask_email(""), mask_email("not-an-address")) == ("", "***")


def test_a_message_has_its_contact_fields_masked_and_the_rest_kept():
    message = {"case": "GG1", "phone": "13812345678", "email": "li@163.com", "name": "张三", "client_id": None}
    assert mask_contact_fields(message) == {"case": "GG1", "phone": "138****5678", "email": "l***@163.com",
                                            "name": "张*", "client_id": None}
    assert message["phone"] == "13812345678"  # the notice itself is not changed

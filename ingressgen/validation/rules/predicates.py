"""apimachinery's string predicates (ingressgen.names), memoized for the rules' hot paths."""

from __future__ import annotations

from ingressgen import names
from ingressgen.validation.rules.base import memoized

is_dns1123_label = memoized(names.is_dns1123_label)
is_dns1123_subdomain = memoized(names.is_dns1123_subdomain)
is_dns1035_label = memoized(names.is_dns1035_label)
is_wildcard_dns1123_subdomain = memoized(names.is_wildcard_dns1123_subdomain)
is_qualified_name = memoized(names.is_qualified_name)
is_label_value = memoized(names.is_label_value)
is_annotation_key = memoized(names.is_annotation_key)
is_iana_port_name = memoized(names.is_iana_port_name)
is_port_number = names.is_port_number
TOTAL_ANNOTATION_SIZE_MAX = names.TOTAL_ANNOTATION_SIZE_MAX

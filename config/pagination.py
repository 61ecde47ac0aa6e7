from rest_framework.pagination import PageNumberPagination

from .remembered import RememberedCountPaginator


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class LargeTablePagination(StandardPagination):
    """For lists over tables of millions of rows (figures): their count is asked once per change of the table,
    not once per page (config/remembered.py). It costs one small query more on every page."""

    django_paginator_class = RememberedCountPaginator

"""`{% chart some_chart %}`: a reports.charts.Chart as a figure with its caption, SVG, data table and the data that
static/js/charts.js draws with Chart.js; and the charts' number formats for the tables around them
(`{{ share|percent }}`, `{{ score|number:1 }}`)."""

from django import template

from reports.charts import number_formatter, percent_formatter

register = template.Library()


@register.inclusion_tag("includes/chart.html")
def chart(chart):
    return {"chart": chart, "data_id": f"{chart.chart_id}-data"}


@register.filter
def percent(value, decimals=1):
    """A share from 0 to 1 as a localised percentage; "—" for None."""
    return percent_formatter(int(decimals))(value)


@register.filter
def number(value, decimals=0):
    """A localised number with grouping; "—" for None."""
    return number_formatter(int(decimals))(value)

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .scoping import visible_institutions


@login_required
def home(request):
    return render(request, "home.html", {"institutions": visible_institutions(request.user)})

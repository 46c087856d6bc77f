app_name = "insight"

urlpatterns: list = []

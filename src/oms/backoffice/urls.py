"""Back-office URLs (mounted at /backoffice/; the dashboard is the admin home at /admin/)."""

from django.urls import path

from oms.backoffice.views import entry, orders, search

app_name = "backoffice"

urlpatterns = [
    path("orders/", orders.order_list, name="order-list"),
    path("orders/new/", entry.entry_page, name="entry"),
    path("orders/new/create", entry.entry_create, name="entry-create"),
    path("lookup/customers", entry.customers_json, name="lookup-customers"),
    path("lookup/products", entry.products_json, name="lookup-products"),
    path("orders/<str:ref>/", orders.order_detail, name="order"),
    path("orders/<str:ref>/do/<slug:name>", orders.order_action, name="order-action"),
    path("orders/<str:ref>/print/", orders.order_print, name="order-print"),
    path("orders/<str:ref>/shipments/<int:shipment_id>/packing-slip/", orders.packing_slip, name="packing-slip"),
    path("orders/<str:ref>/invoices/<int:invoice_id>/pdf", orders.invoice_document, name="invoice-pdf"),
    path("search/", search.search, name="search"),
    path("language/", search.language_set, name="language"),
]

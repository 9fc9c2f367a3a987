# Imported orders keep their history: payment and fulfilment state, shipping total, original dates.

import django.utils.timezone
import oms.core.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0004_created_keyset"),
    ]

    operations = [
        migrations.AddField(
            model_name="salesorder",
            name="amount_paid",
            field=oms.core.models.MoneyField(db_default=0, decimal_places=4, default=0, max_digits=19,
                                             verbose_name="amount paid"),
        ),
        migrations.AddField(
            model_name="salesorder",
            name="amount_refunded",
            field=oms.core.models.MoneyField(db_default=0, decimal_places=4, default=0, max_digits=19,
                                             verbose_name="amount refunded"),
        ),
        migrations.AddField(
            model_name="salesorder",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled"),
        ),
        migrations.AddField(
            model_name="salesorder",
            name="fulfilled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="fulfilled"),
        ),
        migrations.AddField(
            model_name="salesorder",
            name="paid_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="paid"),
        ),
        migrations.AddField(
            model_name="salesorder",
            name="payment_status",
            field=models.CharField(blank=True, choices=[("", "not recorded"), ("pending", "pending"),
                                                        ("authorized", "authorized"),
                                                        ("partially_paid", "partially paid"), ("paid", "paid"),
                                                        ("partially_refunded", "partially refunded"),
                                                        ("refunded", "refunded"), ("voided", "voided")],
                                   db_default="", default="", max_length=20, verbose_name="payment status"),
        ),
        migrations.AddField(
            model_name="salesorder",
            name="shipping_total",
            field=oms.core.models.MoneyField(db_default=0, decimal_places=4, default=0, max_digits=19,
                                             verbose_name="shipping"),
        ),
        migrations.AlterField(
            model_name="salesorder",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="created"),
        ),
    ]

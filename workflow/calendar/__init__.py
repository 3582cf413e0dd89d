"""Working-day calendar: China's statutory holidays and make-up working days (调休) from
the ``chinese-calendar`` package, with administrator-edited additions for years the
package does not know yet (models, operations, workdays, views, cli, verify)."""

"""RQ cron configuration: `python manage.py rqcron scenic_ops.cron` (the Procfile's scheduler).

Registers every job of the registry (each domain's jobs.py) with RQ's own cron scheduler, and
runs once the timetable jobs whose last start was missed while no scheduler ran.
Run exactly one scheduler process per site.
"""

from rq import cron

from scenic_ops.core.scheduling import catch_up, registry, run_job, sync_schedules

sync_schedules()
catch_up()
for spec in registry().values():
    cron.register(
        run_job,
        queue_name=spec.queue,
        args=(spec.name,),
        cron=spec.cron,
        interval=spec.interval,
        job_timeout=spec.timeout,
        name=spec.name,
    )

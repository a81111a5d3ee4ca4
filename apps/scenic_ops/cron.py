"""RQ cron configuration: `python manage.py rqcron scenic_ops.cron` (the Procfile's scheduler).

Registers every job of the registry (each domain's jobs.py) with RQ's own cron scheduler.
Run exactly one scheduler process per site.
"""

from rq import cron

from scenic_ops.core.scheduling import registry, run_job, sync_schedules

sync_schedules()
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

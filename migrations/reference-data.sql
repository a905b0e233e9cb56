INSERT INTO public.alembic_version (version_num) VALUES ('0bd252b206fb');

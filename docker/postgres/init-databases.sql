-- The stack's two databases on one PostgreSQL server, each owned by its own login role.
-- Run by init-databases.sh with psql variables airflow_password and catalog_password (never written here).

CREATE ROLE airflow LOGIN PASSWORD :'airflow_password';
CREATE DATABASE airflow OWNER airflow ENCODING 'UTF8';

CREATE ROLE readout LOGIN PASSWORD :'catalog_password';
CREATE DATABASE readout OWNER readout ENCODING 'UTF8';

-- Since PostgreSQL 15 only a database's owner may create objects in its public schema; the owners above are
-- the roles the applications connect as, so Airflow's and Readout's migrations can create their tables.
REVOKE ALL ON DATABASE airflow FROM PUBLIC;
REVOKE ALL ON DATABASE readout FROM PUBLIC;

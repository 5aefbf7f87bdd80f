-- The schema the connections create and find tables in (search_path).
SELECT current_schema()

"""One presenter per report (water plan, needs → plan, follow-up, complaints, national
overview, cookbooks), report tables and the portal. Presenters turn domain results into
the headings, tables, charts and sentences a report notebook shows."""

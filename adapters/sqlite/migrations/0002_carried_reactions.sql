-- A post deleted by hand on the platform is posted again by the helpdesk;
-- the reactions held on the old post move to the new one and are marked
-- carried: they still count (a vote cast stays cast), and a reconcile,
-- which sees only what the platform shows, leaves them alone until the
-- person reacts on the new post.
ALTER TABLE reactions ADD COLUMN carried INTEGER NOT NULL DEFAULT 0 CHECK (carried IN (0, 1));

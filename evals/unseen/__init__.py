"""The unseen-prose suite: SQuAD 2.0 Wikipedia articles, asked through ``ask()``, folds by article."""

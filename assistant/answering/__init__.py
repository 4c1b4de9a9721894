"""Learned answer selection: candidate spans, their features, a model that scores them
(the question itself is read by ``assistant.questions``).

Flow: scored sentences (assistant.answering.scoring) → ``spans.gather`` (entities, noun phrases,
clauses) → ``features.featurize`` → ``model.AnswerModel`` (gradient-boosted trees, trained
by `assistant train` on SQuAD 2.0 folds split by article) → a calibrated probability per
span. The top span answers when its probability clears the model's threshold.
"""

"""Workshop formats as data: the columns a new board starts with (phases come with facilitation)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label_fr: str
    label_en: str
    color: str
    prompt: str = ""


@dataclass(frozen=True)
class Format:
    key: str
    label_fr: str
    label_en: str
    columns: tuple[ColumnSpec, ...]
    description: str = ""
    defaults: dict = field(default_factory=dict)


DEFAULT_FORMAT = "freins-leviers"

FORMATS: dict[str, Format] = {
    f.key: f
    for f in (
        Format(
            "freins-leviers",
            "Freins et leviers",
            "Obstacles and levers",
            (
                ColumnSpec("obstacle", "Freins", "Obstacles", "#fecaca",
                           "Qu'est-ce qui bloque la coopération entre l'école et le centre social ?"),
                ColumnSpec("lever", "Leviers", "Levers", "#bbf7d0", "Qu'est-ce qui a aidé à débloquer ?"),
                ColumnSpec("method", "Manières de faire", "Methods", "#bfdbfe",
                           "Une façon concrète de travailler ensemble qui a marché."),
            ),
            "Repérer ce qui bloque, ce qui aide et ce qui marche.",
        ),
        Format(
            "metaplan",
            "Métaplan",
            "Metaplan",
            (
                ColumnSpec("ideas", "Idées", "Ideas", "#fde68a", "Écrivez en silence, une idée par post-it."),
                ColumnSpec("clusters", "Regroupements", "Clusters", "#e9d5ff"),
            ),
            "Écriture silencieuse, regroupement, nommage, pondération par gommettes.",
        ),
        Format(
            "co-developpement",
            "Co-développement",
            "Co-development",
            (
                ColumnSpec("situation", "Situation", "Situation", "#fecaca"),
                ColumnSpec("questions", "Questions de clarification", "Clarifying questions", "#fde68a"),
                ColumnSpec("contract", "Contrat", "Contract", "#e9d5ff"),
                ColumnSpec("suggestions", "Suggestions", "Suggestions", "#bbf7d0"),
                ColumnSpec("action_plan", "Plan d'action", "Action plan", "#bfdbfe"),
                ColumnSpec("learnings", "Apprentissages", "Learnings", "#fed7aa"),
            ),
        ),
        Format(
            "world-cafe",
            "World café",
            "World café",
            (
                ColumnSpec("round1", "Tour 1", "Round 1", "#fde68a"),
                ColumnSpec("round2", "Tour 2", "Round 2", "#bbf7d0"),
                ColumnSpec("round3", "Tour 3", "Round 3", "#bfdbfe"),
                ColumnSpec("harvest", "Récolte", "Harvest", "#e9d5ff"),
            ),
        ),
        Format(
            "afom",
            "AFOM (SWOT)",
            "SWOT",
            (
                ColumnSpec("strengths", "Atouts", "Strengths", "#bbf7d0"),
                ColumnSpec("weaknesses", "Faiblesses", "Weaknesses", "#fecaca"),
                ColumnSpec("opportunities", "Opportunités", "Opportunities", "#bfdbfe"),
                ColumnSpec("threats", "Menaces", "Threats", "#fed7aa"),
            ),
        ),
        Format(
            "analyse-de-pratiques",
            "Analyse de pratiques",
            "Practice analysis",
            (
                ColumnSpec("account", "Récit", "Account", "#fde68a"),
                ColumnSpec("questions", "Questions", "Questions", "#bfdbfe"),
                ColumnSpec("hypotheses", "Hypothèses", "Hypotheses", "#e9d5ff"),
                ColumnSpec("synthesis", "Réponse et synthèse", "Answer and synthesis", "#bbf7d0"),
            ),
        ),
    )
}

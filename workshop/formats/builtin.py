"""Workshop formats as data: columns, phases (with instructions and timings) and defaults.

A phase says what participants may do in it (`allows`: write, vote, group, react) and whether writing is
private (each person sees only their own cards until the facilitator reveals them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

WRITE, VOTE, GROUP, REACT = "write", "vote", "group", "react"
ACTIONS = (WRITE, VOTE, GROUP, REACT)


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label_fr: str
    label_en: str
    color: str
    prompt: str = ""
    by_table: bool = False  # world café: each card posted here records its author's table

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label_fr, "label_en": self.label_en, "color": self.color,
                "prompt": self.prompt}


@dataclass(frozen=True)
class PhaseSpec:
    key: str
    label_fr: str
    label_en: str
    instructions: str
    minutes: int = 0  # suggested duration; 0 = no suggestion
    allows: tuple[str, ...] = (WRITE, REACT)
    private: bool = False
    by_table: bool = False  # a round of a world café: participants may change tables

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label_fr, "label_en": self.label_en,
                "instructions": self.instructions, "minutes": self.minutes, "allows": list(self.allows),
                "private": self.private, "by_table": self.by_table}


@dataclass(frozen=True)
class Format:
    key: str
    label_fr: str
    label_en: str
    columns: tuple[ColumnSpec, ...]
    description: str = ""
    defaults: dict = field(default_factory=dict)
    phases: tuple[PhaseSpec, ...] = ()
    extra_columns: tuple[ColumnSpec, ...] = ()  # offered to the facilitator, not on the board at first

    def phase(self, key: str) -> PhaseSpec | None:
        return next((p for p in self.phases if p.key == key), None)

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label_fr, "label_en": self.label_en,
                "description": self.description, "defaults": dict(self.defaults),
                "columns": [c.to_dict() for c in self.columns],
                "extra_columns": [c.to_dict() for c in self.extra_columns],
                "phases": [p.to_dict() for p in self.phases]}


DEFAULT_FORMAT = "freins-leviers"
# The phase of a board whose format has none: everything allowed, nothing private.
FREE_PHASE = {"key": "", "label": "Atelier libre", "label_en": "Open board", "instructions": "", "minutes": 0,
              "allows": list(ACTIONS), "private": False}
# Anonymous: authors' names never reach other participants' screens. Budget: dots per participant.
DEFAULTS = {"anonymous": False, "vote_budget": 3, "multi_dots": False, "everyone_groups": False}


def _defaults(**overrides) -> dict:
    return {**DEFAULTS, **overrides}


def _vote(minutes: int = 5, label: str = "Vote par gommettes") -> PhaseSpec:
    return PhaseSpec("vote", label, "Dot voting",
                     "Mettez vos gommettes sur les post-it les plus importants pour vous. "
                     "On verra les résultats à la fin.", minutes, (VOTE, REACT))


def _sort(minutes: int = 10) -> PhaseSpec:
    return PhaseSpec("cluster", "Regroupement", "Clustering",
                     "On met ensemble les post-it qui disent la même chose. On donne un nom à chaque groupe.",
                     minutes, (GROUP, REACT))


FORMATS: dict[str, Format] = {
    f.key: f
    for f in (
        Format(
            "freins-leviers",
            "Freins et leviers",
            "Obstacles and levers",
            (
                ColumnSpec("obstacle", "Freins", "Obstacles", "#fecaca",
                           "Qu'est-ce qui bloque entre l'école et le centre social ?"),
                ColumnSpec("lever", "Leviers", "Levers", "#bbf7d0", "Qu'est-ce qui a aidé à débloquer ?"),
                ColumnSpec("method", "Manières de faire", "Methods", "#bfdbfe",
                           "Une façon de travailler ensemble qui a marché."),
            ),
            "Repérer ce qui bloque, ce qui aide et ce qui marche.",
            _defaults(),
            (
                PhaseSpec("write", "Contributions", "Contributions",
                          "Écrivez ce qui bloque, ce qui aide et ce qui marche. Une idée par post-it.", 15),
                _sort(10),
                _vote(5),
                PhaseSpec("debrief", "Mise en commun", "Debrief",
                          "On regarde ensemble ce qui est le plus important.",
                          15, (REACT,)),
            ),
            (
                ColumnSpec("resource", "Ressources", "Resources", "#fde68a",
                           "Un outil, un contact, un document, un financement."),
                ColumnSpec("opportunity", "Opportunités", "Opportunities", "#e9d5ff",
                           "Un dispositif ou une occasion à saisir (CLAS, REAAP, OEPRE, Cité éducative…)."),
            ),
        ),
        Format(
            "metaplan",
            "Métaplan",
            "Metaplan",
            (
                ColumnSpec("ideas", "Idées", "Ideas", "#fde68a", "Écrivez en silence, une idée par post-it."),
                ColumnSpec("clusters", "Regroupements", "Clusters", "#e9d5ff",
                           "Les post-it rapprochés et nommés."),
            ),
            "Écriture silencieuse, regroupement, nommage, pondération par gommettes.",
            _defaults(anonymous=True, vote_budget=5, multi_dots=True),
            (
                PhaseSpec("silent", "Écriture silencieuse", "Silent writing",
                          "Écrivez seul, sans parler. Les autres ne voient pas encore vos post-it.", 10, (WRITE,),
                          private=True),
                _sort(15),
                PhaseSpec("name", "Nommer les groupes", "Naming clusters",
                          "Donnons à chaque groupe un titre qui dit l'idée commune.", 10, (GROUP, REACT)),
                _vote(5, "Pondération par gommettes"),
            ),
        ),
        Format(
            "co-developpement",
            "Co-développement",
            "Co-development",
            (
                ColumnSpec("situation", "Situation", "Situation", "#fecaca",
                           "La situation exposée par le ou la client·e."),
                ColumnSpec("questions", "Questions de clarification", "Clarifying questions", "#fde68a",
                           "Une question pour mieux comprendre, pas un conseil."),
                ColumnSpec("contract", "Contrat", "Contract", "#e9d5ff",
                           "Ce sur quoi le ou la client·e veut de l'aide."),
                ColumnSpec("suggestions", "Suggestions", "Suggestions", "#bbf7d0",
                           "Une idée, une piste, un retour d'expérience."),
                ColumnSpec("action_plan", "Plan d'action", "Action plan", "#bfdbfe",
                           "Ce que je retiens et vais faire."),
                ColumnSpec("learnings", "Apprentissages", "Learnings", "#fed7aa", "Ce que j'apprends pour moi."),
            ),
            "Un·e participant·e expose une situation ; le groupe l'aide par étapes.",
            _defaults(vote_budget=3),
            (
                PhaseSpec("situation", "Exposé de la situation", "Situation",
                          "Le ou la client·e expose sa situation ; les autres écoutent sans interrompre.", 15),
                PhaseSpec("questions", "Questions de clarification", "Clarifying questions",
                          "Posez des questions pour comprendre (pas encore de conseils).", 15),
                PhaseSpec("contract", "Contrat", "Contract",
                          "Le ou la client·e précise sur quoi il ou elle attend de l'aide.", 5),
                PhaseSpec("suggestions", "Suggestions", "Suggestions",
                          "Chacun·e propose idées, pistes et retours d'expérience.", 20),
                PhaseSpec("action_plan", "Plan d'action", "Action plan",
                          "Le ou la client·e dit ce qu'il ou elle retient et va faire.", 10),
                PhaseSpec("learnings", "Apprentissages", "Learnings",
                          "Chacun·e note ce qu'il ou elle apprend pour sa propre pratique.", 10),
            ),
        ),
        Format(
            "world-cafe",
            "World café",
            "World café",
            (
                ColumnSpec("round1", "Tour 1", "Round 1", "#fde68a", "Les idées de votre table au premier tour.",
                           by_table=True),
                ColumnSpec("round2", "Tour 2", "Round 2", "#bbf7d0", "Changez de table : ce qui s'ajoute.",
                           by_table=True),
                ColumnSpec("round3", "Tour 3", "Round 3", "#bfdbfe", "Dernier tour : ce qui se confirme.",
                           by_table=True),
                ColumnSpec("harvest", "Récolte", "Harvest", "#e9d5ff", "Ce que le groupe retient."),
            ),
            "Plusieurs tours de tables, puis une récolte commune.",
            _defaults(tables=4),
            (
                PhaseSpec("round1", "Tour 1", "Round 1",
                          "À votre table, échangez et notez vos idées dans « Tour 1 ».", 20, by_table=True),
                PhaseSpec("round2", "Tour 2", "Round 2",
                          "Changez de table ; l'hôte résume, puis notez ce qui s'ajoute dans « Tour 2 ».", 20,
                          by_table=True),
                PhaseSpec("round3", "Tour 3", "Round 3", "Dernier tour : notez dans « Tour 3 ».",
                          20, by_table=True),
                PhaseSpec("harvest", "Récolte", "Harvest",
                          "Mise en commun : ce que le groupe retient, à noter dans « Récolte ».", 20,
                          (WRITE, GROUP, REACT)),
                _vote(5),
            ),
        ),
        Format(
            "afom",
            "AFOM (SWOT)",
            "SWOT",
            (
                ColumnSpec("strengths", "Atouts", "Strengths", "#bbf7d0", "Ce qui marche bien chez nous."),
                ColumnSpec("weaknesses", "Faiblesses", "Weaknesses", "#fecaca", "Ce qui nous freine de l'intérieur."),
                ColumnSpec("opportunities", "Opportunités", "Opportunities", "#bfdbfe",
                           "Ce qui, autour de nous, peut nous aider."),
                ColumnSpec("threats", "Menaces", "Threats", "#fed7aa", "Ce qui, autour de nous, peut nous nuire."),
            ),
            "Atouts, faiblesses, opportunités, menaces.",
            _defaults(),
            (
                PhaseSpec("write", "Écriture", "Writing",
                          "Remplissez les quatre colonnes : un post-it par idée. Vos post-it restent cachés "
                          "jusqu'à la révélation.", 15, (WRITE,), private=True),
                _sort(10),
                _vote(5),
            ),
        ),
        Format(
            "analyse-de-pratiques",
            "Analyse de pratiques",
            "Practice analysis",
            (
                ColumnSpec("account", "Récit", "Account", "#fde68a", "Le récit d'une situation vécue."),
                ColumnSpec("questions", "Questions", "Questions", "#bfdbfe",
                           "Une question au narrateur ou à la narratrice."),
                ColumnSpec("hypotheses", "Hypothèses", "Hypotheses", "#e9d5ff", "Une hypothèse de compréhension."),
                ColumnSpec("synthesis", "Réponse et synthèse", "Answer and synthesis", "#bbf7d0",
                           "Ce que le narrateur ou la narratrice retient."),
            ),
            "Un récit, des questions, des hypothèses, une réponse et une synthèse.",
            _defaults(anonymous=True),
            (
                PhaseSpec("account", "Récit", "Account", "Le narrateur ou la narratrice raconte ; on écoute.", 15),
                PhaseSpec("questions", "Questions", "Questions", "Posez vos questions de compréhension.", 15),
                PhaseSpec("hypotheses", "Hypothèses", "Hypotheses",
                          "Chacun·e écrit ses hypothèses, cachées jusqu'à la révélation.", 15, (WRITE,),
                          private=True),
                PhaseSpec("synthesis", "Réponse et synthèse", "Answer and synthesis",
                          "Le narrateur ou la narratrice répond ; le groupe fait la synthèse.", 15,
                          (WRITE, REACT)),
            ),
        ),
    )
}


def get_format(key: str) -> Format | None:
    return FORMATS.get(key)

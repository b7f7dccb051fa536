"""The catalogue's first texts (French, then English): short, checked against the schemes' public descriptions.

Coordinators edit them afterwards on `/dispositifs/<key>/modifier`; `seed_texts` fills only empty fields.
"""

from __future__ import annotations

# key: (purpose, purpose_en, operators, operators_en, eligibility, eligibility_en, contact, url)
TEXTS: dict[str, tuple[str, str, str, str, str, str, str, str]] = {
    "clas": (
        "Contrat local d'accompagnement à la scolarité : aide aux devoirs, apports culturels et méthodologiques "
        "hors temps scolaire, et accompagnement des parents dans le suivi de la scolarité de leurs enfants.",
        "Local schooling support contract: homework help, cultural and study-skills activities outside school hours, "
        "and support for parents in following their children's schooling.",
        "Porté par des centres sociaux, associations ou communes ; financé surtout par la CAF (prestation de service), "
        "avec l'État et les collectivités ; piloté par un comité départemental.",
        "Run by social centres, associations or towns; funded mainly by the CAF (family allowance fund), with the "
        "State and local authorities; steered by a departmental committee.",
        "Élèves du CP à la terminale et leurs parents ; priorité aux quartiers prioritaires (QPV) et à l'éducation "
        "prioritaire (REP, REP+).",
        "Pupils from first grade to the final year of secondary school, and their parents; priority to QPV "
        "neighbourhoods and priority-education networks (REP, REP+).",
        "La CAF du département (service action sociale) et le ou la coordinateur·rice CLAS local.",
        "https://www.caf.fr/partenaires",
    ),
    "reaap": (
        "Réseaux d'écoute, d'appui et d'accompagnement des parents : actions qui soutiennent les parents dans leur "
        "rôle (groupes de parole, cafés des parents, conférences).",
        "Parent listening, support and guidance networks: activities that support parents in their role (discussion "
        "groups, parents' cafés, talks).",
        "Actions portées par des associations, centres sociaux, écoles ; financées par la CAF dans le cadre du "
        "soutien à la parentalité.",
        "Run by associations, social centres and schools; funded by the CAF as part of parenting support.",
        "Tous les parents, sans condition ; les projets en QPV sont souvent prioritaires.",
        "All parents, without conditions; projects in QPV neighbourhoods are often given priority.",
        "La CAF du département (référent·e parentalité).",
        "https://www.caf.fr/partenaires",
    ),
    "oepre": (
        "Ouvrir l'école aux parents pour la réussite des enfants : ateliers gratuits dans les écoles et collèges "
        "pour apprendre le français, comprendre l'école et les valeurs de la République.",
        "Opening school to parents for children's success: free workshops in schools to learn French, understand "
        "the school system and the values of the Republic.",
        "Éducation nationale et ministère de l'Intérieur ; ateliers animés dans l'établissement.",
        "Ministry of Education and Ministry of the Interior; workshops held in the school.",
        "Parents d'élèves étrangers ou immigrés non européens, en priorité en REP, REP+ et QPV.",
        "Parents of pupils who are foreign nationals or non-European immigrants, first in REP, REP+ and QPV.",
        "La direction académique (DSDEN) et le ou la chef·fe d'établissement.",
        "https://eduscol.education.fr",
    ),
    "pre": (
        "Programme de réussite éducative : parcours individualisé pour un enfant en fragilité et sa famille "
        "(santé, scolarité, culture, soutien aux parents).",
        "Educational success programme: an individual path for a vulnerable child and their family (health, "
        "schooling, culture, parenting support).",
        "Porté par la commune (souvent via la caisse des écoles ou le CCAS), financé par l'État au titre de la "
        "politique de la ville.",
        "Run by the town (often through its school fund or social action centre), funded by the State's urban "
        "policy.",
        "Enfants de 2 à 16 ans habitant un QPV ou scolarisés en éducation prioritaire.",
        "Children aged 2 to 16 living in a QPV or attending a priority-education school.",
        "Le ou la coordinateur·rice PRE de la commune.",
        "https://agence-cohesion-territoires.gouv.fr",
    ),
    "cite_educative": (
        "Cités éducatives : alliance de l'école, de la commune, de l'État et des associations pour mieux "
        "accompagner les enfants et les jeunes, de la naissance à l'insertion.",
        "Educational cities: an alliance of schools, the town, the State and associations to better support "
        "children and young people, from birth to their first job.",
        "Pilotées par la troïka préfet, principal·e du collège chef de file et maire ; fonds de la cité éducative "
        "(État, ANCT).",
        "Led by the prefect, the lead secondary school's head and the mayor; a dedicated fund (State, ANCT).",
        "Territoires labellisés, en quartiers prioritaires (QPV) et éducation prioritaire.",
        "Designated areas in priority neighbourhoods (QPV) and priority education.",
        "Le ou la coordinateur·rice de la cité éducative (souvent au collège chef de file).",
        "https://agence-cohesion-territoires.gouv.fr",
    ),
    "rep": (
        "Éducation prioritaire (REP, REP+) : moyens renforcés pour les écoles et collèges qui accueillent les élèves "
        "les plus fragiles, dont du temps de formation et de travail avec les familles.",
        "Priority education (REP, REP+): extra means for schools with the most vulnerable pupils, including time "
        "for training and for working with families.",
        "Éducation nationale : un réseau autour d'un collège, animé par un·e coordonnateur·rice REP.",
        "Ministry of Education: a network around a secondary school, run by a REP coordinator.",
        "Écoles et collèges classés REP ou REP+ par le ministère.",
        "Schools classified REP or REP+ by the ministry.",
        "Le ou la coordonnateur·rice REP et l'IEN de circonscription.",
        "https://www.education.gouv.fr",
    ),
    "pedt": (
        "Projet éducatif territorial : cadre qui organise les activités périscolaires et relie les acteurs "
        "éducatifs d'une commune autour de l'école.",
        "Local educational project: a framework organising after-school activities and linking a town's "
        "educational players around the school.",
        "Élaboré par la commune ou l'intercommunalité avec l'État et la CAF ; ouvre des aides pour l'accueil "
        "périscolaire.",
        "Drawn up by the town or group of towns with the State and the CAF; opens funding for after-school care.",
        "Communes et intercommunalités, pour les enfants scolarisés sur leur territoire.",
        "Towns and groups of towns, for the children schooled in their area.",
        "Le service éducation ou enfance de la mairie.",
        "https://eduscol.education.fr",
    ),
    "contrat_de_ville": (
        "Contrat de ville (« Engagements Quartiers 2030 ») : engagements de l'État et des collectivités pour les "
        "quartiers prioritaires, dont un volet éducation et parentalité.",
        "Urban contract ('Neighbourhood Commitments 2030'): commitments of the State and local authorities for "
        "priority neighbourhoods, including education and parenting.",
        "Signé par l'État, l'intercommunalité, les communes et leurs partenaires ; finance des associations par "
        "appel à projets annuel.",
        "Signed by the State, the group of towns, the towns and their partners; funds associations through a "
        "yearly call for projects.",
        "Actions au bénéfice des habitant·es des quartiers prioritaires (QPV).",
        "Activities benefiting residents of priority neighbourhoods (QPV).",
        "Le ou la délégué·e du préfet et le service politique de la ville de l'intercommunalité.",
        "https://agence-cohesion-territoires.gouv.fr",
    ),
    "ctg": (
        "Convention territoriale globale : accord entre la CAF et une commune ou intercommunalité sur les services "
        "aux familles (petite enfance, jeunesse, parentalité, animation de la vie sociale).",
        "Global territorial agreement: an agreement between the CAF and a town or group of towns on services for "
        "families (early childhood, youth, parenting, community life).",
        "CAF et collectivité signataire ; les financements (bonus territoire) passent par elle.",
        "The CAF and the signing authority; funding (territory bonus) flows through it.",
        "Communes et intercommunalités signataires, et les structures de leur territoire.",
        "Signing towns and groups of towns, and the organisations in their area.",
        "Le ou la chargé·e de coopération territoriale de la CAF.",
        "https://www.caf.fr/partenaires",
    ),
    "espace_parents": (
        "Espace parents : un lieu dans l'école ou le collège où les parents se retrouvent, s'informent et "
        "rencontrent l'équipe, souvent animé avec le centre social.",
        "Parents' room: a place in the school where parents meet, get information and meet staff, often run with "
        "the social centre.",
        "L'établissement scolaire, avec des associations de parents ou le centre social ; pas de financement propre "
        "(CLAS, REAAP ou cité éducative peuvent l'appuyer).",
        "The school, with parents' associations or the social centre; no funding of its own (CLAS, REAAP or an "
        "educational city may support it).",
        "Tout établissement scolaire ; fréquent en REP, REP+ et QPV.",
        "Any school; common in REP, REP+ and QPV.",
        "Le ou la directeur·rice d'école ou le ou la principal·e, et le ou la référent·e familles du centre social.",
        "https://eduscol.education.fr",
    ),
    "mallette": (
        "Mallette des parents : rencontres entre parents et équipes éducatives aux moments clés (entrée au CP, en "
        "6e, orientation en 3e) et ressources pour accompagner la scolarité.",
        "Parents' toolkit: meetings between parents and school staff at key moments (first grade, first year of "
        "secondary school, guidance in the last year of lower secondary) and resources to follow schooling.",
        "Éducation nationale ; rencontres animées par l'école ou le collège, parfois avec des partenaires.",
        "Ministry of Education; meetings held by the school, sometimes with partners.",
        "Toutes les écoles et tous les collèges, en priorité en éducation prioritaire.",
        "All schools, first in priority education.",
        "Le ou la directeur·rice d'école ou le ou la principal·e.",
        "https://eduscol.education.fr",
    ),
    "devoirs_faits": (
        "Devoirs faits : temps d'étude accompagnée et gratuit au collège pour faire ses devoirs, hors des heures de "
        "cours.",
        "Homework done: free supervised study time in secondary school to do homework, outside lessons.",
        "Éducation nationale ; encadré par des enseignant·es, assistant·es d'éducation, volontaires du service "
        "civique ou associations.",
        "Ministry of Education; supervised by teachers, education assistants, civic-service volunteers or "
        "associations.",
        "Collégien·nes volontaires, dans tous les collèges.",
        "Volunteer pupils in every secondary school.",
        "Le ou la principal·e du collège.",
        "https://www.education.gouv.fr",
    ),
    "convention": (
        "Convention de partenariat : accord écrit entre une école et un centre social (ou une association) qui fixe "
        "les actions communes, les rôles et les moyens partagés.",
        "Partnership agreement: a written agreement between a school and a social centre (or association) setting "
        "out joint activities, roles and shared means.",
        "Signée par les structures partenaires (et, pour l'école, validée par l'IEN ou le chef d'établissement) ; "
        "pas de financement propre.",
        "Signed by the partner organisations (and, for the school, approved by its inspector or head); no funding of "
        "its own.",
        "Toute école et toute structure partenaire.",
        "Any school and any partner organisation.",
        "Les directions des deux structures.",
        "",
    ),
}
FIELDS = ("purpose", "purpose_en", "operators", "operators_en", "eligibility", "eligibility_en", "contact", "url")

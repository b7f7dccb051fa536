"""The participant's path, as the exact list of msgids every participant language must translate.

A parent joins from the home page, picks a language, gives a name, reads the phase, posts, reacts, votes and
may look at their own data: every word of that path is listed here, from the templates, the board's script
strings (their JSON blocks) and the errors of the socket protocol a participant can meet, plus the words of
every built-in format (`workshop.formats.texts`). tests/test_i18n_languages.py checks each catalog against it.
Pages outside this path fall back to French in the participant languages.
"""

from __future__ import annotations

from workshop.formats.texts import format_texts

# templates/base.html, templates/boards/home.html, _language_picker.html, privacy/_join_notice.html, forms
PAGES = (
    "Aller au contenu", "Navigation principale", "Fiches pratiques", "Boîtes à outils", "Carte", "Connexion",
    "Données personnelles", "Langue",
    "Rejoindre un atelier", "Écoles et centres sociaux, ensemble",
    "Passerelles accompagne les groupes de pairs : on partage ce qui bloque, ce qui aide et ce qui marche, puis on "
    "en fait des fiches pratiques pour tous.",
    "Le code est affiché dans la salle (8 lettres et chiffres). Pas besoin de compte.", "Rejoindre",
    "Code de l'atelier", "Tapez le code affiché dans la salle.",
    "Aucun atelier ne porte ce code. Vérifiez les lettres et les chiffres.",
    "Utilisez un prénom ou un pseudonyme, ne nommez ni famille ni élève.",
    "Ce que vous écrivez sert à l'atelier et à ses fiches pratiques. Les prénoms et textes sont effacés %(n)d mois "
    "après la fermeture de l'atelier ; vous pouvez voir, télécharger ou effacer les vôtres à tout moment.",
    "Le service ne répond pas pour l'instant : réessayez dans quelques secondes.",  # the 503 page
)
# templates/boards/board.html: the page, the name dialog and its script strings (board-i18n)
BOARD = (
    "Code", "Connexion…", "Mes données", "Bienvenue !", "Votre prénom (ou un pseudo)", "Entrer dans l'atelier",
    "Un post-it, c'est une petite note : une idée par note.", "Une gommette, c'est un point pour voter.",
    "En ligne", "Pas de réseau. Vos post-it sont gardés. Ils partiront quand le réseau revient.",
    "{n} en attente d'envoi", "en attente d'envoi", "1 personne ici", "{n} personnes ici", "Ajouter",
    "Écrivez une idée ici", "Modifier", "Enregistrer", "Annuler", "Supprimer", "Supprimer ce post-it ?",
    "vous", "Atelier fermé : il ne reçoit plus de contributions.", "ouvert", "fermé", "500 caractères au plus.",
    "Écrivez quelque chose d'abord.", "Cet atelier n'existe plus.", "Écouter", "✓ envoyé", "Actions du post-it",
    "Menu", "Colonne", "Écrire dans : {column}", "Nouveau post-it dans {column}", "{n} nouveaux post-it dans {column}",
)
# templates/facilitation/_board_i18n.html: what a participant sees of the phase bar, reactions, dots, replies
FACILITATION = (
    "Action impossible pour le moment : vérifiez la connexion.", "Étape {n} sur {total}", "Phase",
    "Vos post-it sont cachés. Les autres les verront plus tard.", "✎ post-it caché jusqu'à la révélation",
    "Tableau verrouillé", "en pause", "Gommettes : {n} sur {total}", "{n} posées en tout",
    "Résultats du vote affichés", "Vos gommettes", "Gommettes reçues",
    "Résultats : {n} gommettes, {voters} votant·es", "Par post-it", "Par groupe", "Groupe sans nom",
    "Répondre", "Une courte réponse (280 caractères)", "Réponse masquée par l'animateur·rice", "Envoyer",
    "Déjà sur le tableau, proche de ce que vous écrivez :", "Moi aussi", "À creuser", "Merci", "Table {n}",
    "Sans table", "(votre table)", "Votre table :", "Changez de table à chaque tour.", "Post-it fusionnés",
    # where everyone groups (the board's setting), a participant renames a group too
    "Renommer", "Nom du groupe", "Ce groupe n'existe plus.",
)
# templates/practices/_board_i18n.html: "elsewhere, this helped" under an obstacle card, open to everyone
PRACTICES = (
    "Devenu fiche :", "Fiches épinglées pour la discussion", "Ailleurs, ceci a aidé", "Recherche dans le répertoire…",
    "Aucune fiche publiée ne répond encore à ce frein.", "Ailleurs, ceci a aidé :", "Fermer",
    "Erreur : réessayez dans un instant.",
)
# Errors of the socket protocol a participant can meet (workshop/live, boards, votes, replies, tables, errors.py)
ERRORS = (
    "Seul·e l'animateur·rice peut faire cela.",
    "Enregistrement impossible pour l'instant : vos post-it attendent et partiront tout seuls.",
    "Doucement : vous avez posté beaucoup de post-it d'un coup. Attendez quelques secondes.",
    "Doucement : trop d'actions d'un coup. Attendez quelques secondes.",
    "Le tableau est verrouillé par l'animateur·rice.", "Ce n'est pas possible pendant la phase « %(p)s ».",
    "Le message envoyé n'a pas la bonne forme.", "Rejoignez d'abord l'atelier avec son code.",
    "Votre session a pris fin : reconnectez-vous pour continuer.",
    "Le champ « %(f)s » doit être un texte.", "Le champ « %(f)s » contient des caractères invalides.",
    "Le champ « %(f)s » est vide.", "Le champ « %(f)s » est trop long (%(n)d caractères au plus).",
    "Texte du post-it", "Prénom ou pseudo", "Réponse", "Colonne inconnue.", "Ce post-it n'existe plus.",
    "Vous ne pouvez modifier que vos propres post-it.", "Participant·e introuvable : rejoignez à nouveau l'atelier.",
    "Les résultats sont affichés : le vote est clos.", "Le vote n'est pas ouvert.",
    "Vous avez posé toutes vos gommettes (%(n)d).", "Une seule gommette par post-it dans cet atelier.",
    "Vous n'avez pas de gommette ici.", "Cette réponse n'existe plus.", "Chacun·e choisit sa propre table.",
    "Numéro de table invalide (de 1 à %(n)d).", "On change de table pendant les tours seulement.",
    "Cet atelier est fermé : il ne reçoit plus de contributions.",
)
# templates/privacy/notice.html and mine.html: the participant's personal-data pages
PRIVACY = (
    "Passerelles sert aux ateliers entre écoles et centres sociaux. Nous gardons le moins possible de données sur "
    "vous, et vous pouvez les voir, les télécharger et les effacer.",
    "Ce que nous gardons",
    "Quand vous rejoignez un atelier : le prénom ou le pseudo que vous donnez, ce que vous écrivez (post-it, "
    "réponses), vos réactions et vos votes, et un jeton gardé dans votre navigateur pour vous reconnaître.",
    "Pour les animateur·rices et coordinateur·rices qui ont un compte : nom, adresse e-mail, rôle, mot de passe "
    "chiffré, date de dernière connexion, et les fiches et ateliers qu'ils ou elles ont créés.",
    "Pour les e-mails (invitations, mots de passe oubliés, notifications) : l'adresse, l'objet et l'état de "
    "chaque message envoyé, les invitations et vos choix de notifications ; gardés 90 jours, puis effacés.",
    "Le journal du serveur ne garde ni votre adresse IP, ni les codes d'atelier, ni les paramètres des adresses "
    "visitées.",
    "Pourquoi",
    "Pour faire vivre l'atelier (chacun voit les contributions en direct), en tirer des fiches pratiques et des "
    "comptes rendus, et suivre le programme. Rien n'est vendu ni utilisé pour de la publicité.",
    "Pendant combien de temps",
    "Les prénoms et les textes des post-it d'un atelier sont effacés %(n)d mois après sa fermeture. Un post-it "
    "supprimé perd son texte tout de suite, y compris dans l'historique de l'atelier.",
    "Qui les voit",
    "Les personnes présentes dans l'atelier, son animateur·rice et les coordinateur·rices du programme.",
    "Un conseil", "Vos droits",
    "Vous pouvez voir, télécharger et effacer ce que vous avez écrit, depuis le navigateur avec lequel vous avez "
    "participé :",
    "mes contributions",
    "Pour tout le reste (un compte, une demande depuis un autre appareil, une réclamation), adressez-vous à "
    "l'animateur·rice de l'atelier ou aux coordinateur·rices du programme : ils et elles peuvent exporter et "
    "effacer les données d'une personne ou d'un atelier entier. Vous pouvez aussi saisir la CNIL.",
    "Mes contributions",
    "Les ateliers que vous avez rejoints avec ce navigateur, et ce que vous y avez écrit. Rien n'est envoyé sans "
    "votre clic.",
    "Ce navigateur n'a rejoint aucun atelier (ou ses contributions ont été effacées).",
    "Télécharger (JSON)", "Tout effacer", "Votre nom dans l'atelier : {name}", "Aucun post-it ni réponse.",
    "Effacer vos post-it, vos réponses et votre nom dans l'atelier « {title} » ? C'est définitif.",
    "Effacé : {cards} post-it, {replies} réponses.", "Impossible de joindre le serveur. Réessayez.",
)


# templates/boards/home.html (what the programme produced, above the join box) and _profile_step.html (the
# optional "je viens de…" step after the name)
HOME_AND_PROFILE = (
    "Vous avez un code ? Rejoindre un atelier", "Ce que le programme a produit", "villes", "structures",
    "liens publics", "fiches publiées", "fiches essayées sur le terrain", "Dernières fiches publiées",
    "Restitutions des rencontres", "Les villes", "Panorama du programme",
    "Présenter le panorama", "Présenter", "Vous venez… (facultatif)", "Je viens d'une école",
    "Je viens d'un centre social", "Je suis parent", "Je viens d'une association", "Je viens d'une institution",
    "Autre", "Passer", "Votre structure (facultatif) : tapez son nom",
    "Seul·e l'animateur·rice le voit, pour connaître l'équilibre de la salle (écoles, centres sociaux, parents…). "
    "Jamais les autres participant·es.",
    "Elle compte dans l'équilibre de la salle et dans le panorama « qui manque ? ».",
    "Aucune structure trouvée : vous pouvez passer.", "Recherche…",
)


# templates/base.html (the menu) and templates/errors/error.html, as a participant meets them
NAV_AND_ERRORS = (
    "Rencontres", "Réseaux", "Dispositifs", "Programme", "Erreur", "Page introuvable", "Accès refusé", "Un instant…",
    "Oups", "Requête invalide", "Retour à l'accueil", "Le formulaire a expiré : rechargez la page et recommencez.",
)

# The "Signaler" box under a card (board-i18n, report-reasons-i18n) and its error
REPORT = (
    "Signaler", "Pourquoi signaler ce post-it ?", "Envoyer le signalement",
    "signalé : merci, l'animation va le relire", "Données personnelles (un nom, une situation reconnaissable)",
    "Propos blessants ou discriminants", "Met en cause une institution ou une personne", "Information erronée",
    "Autre raison", "Choisissez une raison du signalement.",
)

# Moderated mode (board-i18n): a participant's waiting card, the composer's notice, a refusal
MODERATED = (
    "en attente de validation", "Vos post-it seront visibles après validation par l'animateur·rice.",
    "Votre post-it n'a pas été retenu par l'animateur·rice.",
)

# templates/meetings/register.html, meetings.forms.RegistrationForm, _structure_combobox.html, the
# errors of meetings.registration and the messages after registering
REGISTRATION = (
    "Inscription",
    "La rencontre est complète : votre inscription ira sur la liste d'attente, qui avance à chaque désistement.",
    "Facultatif : seulement pour vous envoyer votre lien personnel et vous prévenir si une place se libère. Seul·es "
    "les organisateur·rices le voient.",
    "Pour savoir qui est dans la salle (écoles, centres sociaux, parents…) : compté sans votre nom dans la "
    "restitution.",
    "Facultatif : pour prévoir l'accès, l'interprétariat ou l'accueil dont vous avez besoin. Vu seulement par les "
    "organisateur·rices, effacé avec votre inscription.",
    "M'inscrire", "Nom et prénom", "Indiquez votre nom.", "E-mail (facultatif)", "Adresse e-mail invalide.",
    "Je viens de…", "Choisissez d'où vous venez.", "Ma structure", "Ville", "Réseau", "Fonction", "Atelier choisi",
    "Besoins d'accessibilité ou d'interprétariat", "— aucun —",
    # the "je viens de…" kinds (boards.profiles.PROFILE_KINDS, shared with the board and the restitution)
    "École, collège", "Centre social", "Parent", "Association", "Institution", "Autre", "— je choisirai sur place —",
    "Aucune structure trouvée : gardez le nom tapé.",
    "Tapez au moins deux lettres puis choisissez dans la liste des structures de la carte ; si la vôtre n'y est "
    "pas, gardez simplement le nom tapé.",
    "Choisissez d'où vous venez dans la liste.", "Cette structure n'est pas sur la carte : tapez son nom à la place.",
    "Cet atelier ne fait pas partie de la rencontre.", "Nom", "Structure", "Besoins", "Réseau inconnu.",
    "Les inscriptions à cette rencontre sont closes.",
    "La rencontre est complète : vous êtes sur la liste d'attente. Vous passerez inscrit·e automatiquement si une "
    "place se libère.",
    "Vous êtes inscrit·e. Gardez ce lien personnel : il permet de voir ou d'annuler votre inscription.",
)

# templates/meetings/mine.html (one's registration, by its personal link) and its actions' messages
MY_REGISTRATION = (
    "Mon inscription", "Statut", "présent·e", "Je viens de", "E-mail", "Atelier", "pas encore choisi",
    "À montrer à l'accueil", "QR code personnel pour l’accueil",
    "Gardez cette page (favori) : son adresse est votre lien personnel, ne la partagez pas.", "Mon atelier",
    "Choisir", "Ouvrir mon atelier",
    "Le jour J, votre atelier s'ouvrira ici dès votre arrivée enregistrée à l'accueil.", "Annuler mon inscription",
    "Votre inscription est conservée jusqu'à la rencontre puis effacée automatiquement (nom, e-mail, besoins) au "
    "bout de la durée de conservation ; seuls restent des comptes sans nom.",
    "Télécharger mes données (JSON)", "Effacer mon inscription et mes données", "Inscrit·e", "Liste d'attente",
    "Annulée", "Votre inscription est annulée.", "Atelier enregistré.", "Choisissez un atelier de la liste.",
    "Votre atelier s'ouvre une fois votre arrivée enregistrée à l'accueil.", "Choisissez d'abord votre atelier.",
    "Ce lien d'inscription n'est pas (ou plus) valable.",
)

# templates/boards/_groups_i18n.html: the "Où en est-on ?" panel every screen of a peer group's board shows
REVIEW = ("Où en est-on ?", "Les suites à donner des séances précédentes.", "séance {n}", "à voir", "fait", "en cours",
          "abandonné")


def participant_msgids() -> list[str]:
    """Every msgid of the participant's path, once each: the fixed lists above and the built-in formats' words."""
    return list(dict.fromkeys((*PAGES, *BOARD, *FACILITATION, *PRACTICES, *ERRORS, *PRIVACY, *HOME_AND_PROFILE,
                                       *NAV_AND_ERRORS, *REPORT, *MODERATED, *REGISTRATION, *MY_REGISTRATION, *REVIEW,
                                       *format_texts())))

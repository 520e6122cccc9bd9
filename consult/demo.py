"""The demo organisation, members and consultation loaded by ``flask consult demo``.

Everything here is fictional and labelled so; a production instance refuses to start while
it is in the database.

The demo consultation asks about the national preventive mechanism (NPM) of a fictional federal
State (country code ``XX``) in English, French, Spanish and Arabic. It is built through the same
services as the organiser's pages (settings, NPM options, profile, sections, questions), opened,
and then answered by a few hundred fictional respondents on the open channel, generated from a
fixed seed so that every load gives the same answers. About twenty organisations are invited by
name: most answer (some consenting to publication), some have not yet, one saved a draft and
one invitation was withdrawn.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from consult.accounts import services as accounts
from consult.accounts.models import Membership, Organisation, User
from consult.accounts.permissions import Role
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.extensions import db
from consult.i18n.content import FICTIONAL_STATE
from consult.opcat.vocabulary import STAKEHOLDERS
from consult.questionnaires import services as questionnaires
from consult.questionnaires.answers import (
    AnswerRow,
    ProfileAnswers,
    ProfileRules,
    Submission,
    condition_met,
    read_submission,
    to_form,
)
from consult.questionnaires.schema import (
    Channel,
    Choice,
    Condition,
    ConditionOp,
    JurisdictionMode,
    Option,
    Profile,
    Question,
    Questionnaire,
    QuestionType,
    Section,
    Texts,
)
from consult.respond import services as respond
from consult.respond.models import Invitation, InvitationDraft
from consult.sealed import crypto
from consult.sealed import services as sealed
from consult.sealed.models import CeremonyMode
from consult.tokens import new_token

ORGANISATION_SLUG = "demo"
PASSWORD = "demo-password-not-secret"  # noqa: S105 - printed for demo users, by design
LOCALES = ("en", "fr", "es", "ar")

MEMBERS: tuple[tuple[str, str, tuple[Role, ...], str], ...] = (
    ("owner@demo.example", "Amina Haddad", (Role.OWNER, Role.ORGANISER), "ar"),
    ("organiser@demo.example", "Lucía Fernández", (Role.ORGANISER,), "es"),
    ("trustee1@demo.example", "Jean Dupont", (Role.TRUSTEE,), "fr"),
    ("trustee2@demo.example", "Grace Okafor", (Role.TRUSTEE,), "en"),
    ("trustee3@demo.example", "Nadia Benali", (Role.TRUSTEE,), "fr"),
    ("facilitator@demo.example", "Tomás Silva", (Role.FACILITATOR,), "es"),
    ("analyst@demo.example", "Mei Lin", (Role.ANALYST,), "en"),
    ("publisher@demo.example", "Omar Khalil", (Role.PUBLISHER,), "ar"),
)


def _t(en: str, fr: str, es: str, ar: str) -> Texts:
    """One text in the four languages of the demo."""
    return {"en": en, "fr": fr, "es": es, "ar": ar}


# The consultation --------------------------------------------------------------------------

TITLE = _t(
    "Demo: which National Preventive Mechanism should we create? (fictional)",
    "Démo : quel mécanisme national de prévention créer ? (fictif)",
    "Demostración: ¿qué mecanismo nacional de prevención debemos crear? (ficticio)",
    "عرض تجريبي: أي آلية وقائية وطنية ينبغي إنشاؤها؟ (افتراضي)",
)
SUMMARY = _t(
    "This demonstration consultation is fictional. It shows how a State that has "
    "ratified the Optional Protocol to the Convention against Torture can ask everyone "
    "concerned, including persons deprived of liberty, which body should visit places "
    "of detention to prevent torture and ill-treatment.\n"
    "The Fictional State is a federation of six provinces and a capital territory. It ratified "
    "the Optional Protocol in 2025 and must now designate its national preventive mechanism. "
    "Police stations and most prisons are run by the provinces, while immigration detention "
    "centres and military facilities are run by the federal authorities. Four options are on "
    "the table: tell us which one you prefer and which guarantees the law must contain.",
    "Cette consultation de démonstration est fictive. Elle montre comment un État ayant "
    "ratifié le Protocole facultatif se rapportant à la Convention contre la torture peut "
    "demander à toutes les personnes concernées, y compris les personnes privées de "
    "liberté, quel organe devrait visiter les lieux de détention pour prévenir la torture "
    "et les mauvais traitements.\n"
    "L'État fictif est une fédération de six provinces et d'un territoire de la capitale. Il a "
    "ratifié le Protocole facultatif en 2025 et doit désormais désigner son mécanisme national "
    "de prévention. Les commissariats de police et la plupart des prisons relèvent des "
    "provinces, tandis que les centres de rétention pour étrangers et les lieux de détention "
    "militaires relèvent des autorités fédérales. Quatre options sont à l'étude : dites-nous "
    "laquelle vous préférez et quelles garanties la loi doit contenir.",
    "Esta consulta de demostración es ficticia. Muestra cómo un Estado que ha ratificado "
    "el Protocolo Facultativo de la Convención contra la Tortura puede preguntar a todas "
    "las personas interesadas, incluidas las personas privadas de libertad, qué órgano "
    "debería visitar los lugares de detención para prevenir la tortura y los malos tratos.\n"
    "El Estado ficticio es una federación de seis provincias y un territorio capital. Ratificó "
    "el Protocolo Facultativo en 2025 y ahora debe designar su mecanismo nacional de "
    "prevención. Las comisarías y la mayoría de las cárceles dependen de las provincias, "
    "mientras que los centros de internamiento de migrantes y los establecimientos militares "
    "dependen de las autoridades federales. Hay cuatro opciones sobre la mesa: díganos cuál "
    "prefiere y qué garantías debe contener la ley.",
    "هذه استشارة تجريبية افتراضية. وهي توضّح كيف يمكن لدولة صادقت على البروتوكول "
    "الاختياري لاتفاقية مناهضة التعذيب أن تسأل جميع المعنيين، بمن فيهم الأشخاص "
    "المحرومون من حريتهم، عن الهيئة التي ينبغي أن تزور أماكن الاحتجاز لمنع التعذيب "
    "وسوء المعاملة.\n"
    "الدولة الافتراضية دولة اتحادية تضم ستة أقاليم وإقليمًا للعاصمة. وقد صادقت على البروتوكول "
    "الاختياري في عام 2025، وعليها الآن أن تعيّن آليتها الوقائية الوطنية. وتتبع مراكز الشرطة "
    "ومعظم السجون سلطات الأقاليم، في حين تتبع مراكز احتجاز المهاجرين ومرافق الاحتجاز العسكرية "
    "السلطات الاتحادية. وهناك أربعة خيارات مطروحة: أخبرنا بالخيار الذي تفضّله وبالضمانات التي "
    "يجب أن ينص عليها القانون.",
)
USE_OF_INPUT = _t(
    "Demonstration only: the State, the options and the answers are fictional, and no real "
    "report will be published.\n"
    "In a real consultation, the organisers would publish a report of the results within three "
    "months of the closing date, broken down by stakeholder group, province and channel. Once "
    "the Government designates the national preventive mechanism, the report would compare "
    "that decision, point by point, with what respondents asked for and with the guarantees of "
    "the Optional Protocol. Written answers would be quoted only after anything that could "
    "identify their authors has been removed.",
    "Démonstration uniquement : l'État, les options et les réponses sont fictifs, et aucun "
    "rapport réel ne sera publié.\n"
    "Dans une consultation réelle, les organisateurs publieraient un rapport sur les résultats "
    "dans les trois mois suivant la clôture, ventilés par groupe de parties prenantes, par "
    "province et par canal. Une fois le mécanisme national de prévention désigné par le "
    "Gouvernement, le rapport comparerait point par point cette décision avec les demandes des "
    "participants et avec les garanties du Protocole facultatif. Les réponses rédigées ne "
    "seraient citées qu'après suppression de tout élément permettant d'en identifier l'auteur.",
    "Solo a modo de demostración: el Estado, las opciones y las respuestas son ficticios, y no "
    "se publicará ningún informe real.\n"
    "En una consulta real, los organizadores publicarían un informe con los resultados en un "
    "plazo de tres meses tras el cierre, desglosados por grupo de partes interesadas, provincia "
    "y canal. Cuando el Gobierno designe el mecanismo nacional de prevención, el informe "
    "compararía punto por punto esa decisión con lo que pidieron las personas participantes y "
    "con las garantías del Protocolo Facultativo. Las respuestas escritas solo se citarían "
    "después de eliminar todo dato que permita identificar a quien las escribió.",
    "لأغراض العرض فقط: الدولة والخيارات والإجابات كلها افتراضية، ولن يُنشر أي تقرير حقيقي.\n"
    "في الاستشارة الحقيقية، ينشر المنظمون تقريرًا بالنتائج في غضون ثلاثة أشهر من تاريخ الإغلاق، "
    "مصنّفةً حسب فئة الجهات المعنية والإقليم وقناة المشاركة. وبعد أن تعيّن الحكومة الآلية "
    "الوقائية الوطنية، يقارن التقرير هذا القرار، نقطةً بنقطة، بما طلبه المشاركون وبالضمانات "
    "التي ينص عليها البروتوكول الاختياري. ولا يُقتبس من الإجابات المكتوبة إلا بعد حذف كل ما "
    "قد يكشف هوية أصحابها.",
)
#: Dates and times of the fictional State are shown in this zone.
TIMEZONE = "Europe/Zurich"
#: The demo pretends to have opened this many days ago, and to close this many days ahead.
DAYS_OPEN, DAYS_LEFT = 30, 60


# The questionnaire -------------------------------------------------------------------------

OPTIONS = (
    Option(
        "ombuds_plus",
        "ombuds_plus",
        _t(
            "Federal Ombudsman with civil society",
            "Médiateur fédéral associé à la société civile",
            "Defensoría del Pueblo federal con la sociedad civil",
            "أمين المظالم الاتحادي بالشراكة مع المجتمع المدني",
        ),
        _t(
            "The Federal Ombudsman's office takes on the mandate and carries out visits together "
            "with non-governmental organisations selected through an open call, under written "
            "agreements that define their role. A separate unit with its own staff and budget "
            "is created within the office.",
            "Le bureau du Médiateur fédéral reçoit le mandat et effectue les visites avec des "
            "organisations non gouvernementales sélectionnées par appel public, dans le cadre de "
            "conventions écrites qui définissent leur rôle. Une unité distincte, dotée de son "
            "propre personnel et de son propre budget, est créée au sein de l'institution.",
            "La Defensoría del Pueblo federal asume el mandato y realiza las visitas junto con "
            "organizaciones no gubernamentales seleccionadas mediante convocatoria pública, con "
            "acuerdos escritos que definen su papel. Dentro de la institución se crea una unidad "
            "separada, con personal y presupuesto propios.",
            "يتولى مكتب أمين المظالم الاتحادي الولاية، ويجري الزيارات بالاشتراك مع منظمات غير "
            "حكومية تُختار عبر دعوة مفتوحة، بموجب اتفاقات مكتوبة تحدد دورها. وتُنشأ داخل المكتب "
            "وحدة مستقلة لها موظفوها وميزانيتها الخاصة.",
        ),
    ),
    Option(
        "new_specialised",
        "new_specialised",
        _t(
            "A new specialised body",
            "Un nouvel organe spécialisé",
            "Un nuevo órgano especializado",
            "هيئة متخصصة جديدة",
        ),
        _t(
            "Parliament creates by law a new, independent body whose only task is to prevent "
            "torture and ill-treatment by visiting places of detention. Its members are selected "
            "through an open and public procedure.",
            "Le Parlement crée par la loi un nouvel organe indépendant, dont la seule mission est "
            "de prévenir la torture et les mauvais traitements en visitant les lieux de privation "
            "de liberté. Ses membres sont choisis selon une procédure ouverte et publique.",
            "El Parlamento crea por ley un nuevo órgano independiente cuya única función es "
            "prevenir la tortura y los malos tratos mediante visitas a los lugares de privación "
            "de libertad. Sus miembros se seleccionan mediante un procedimiento abierto y público.",
            "ينشئ البرلمان بموجب قانون هيئة جديدة مستقلة تقتصر مهمتها على منع التعذيب وسوء "
            "المعاملة من خلال زيارة أماكن الحرمان من الحرية. ويُختار أعضاؤها وفق إجراء مفتوح "
            "وعلني.",
        ),
    ),
    Option(
        "nhri_commission",
        "nhri_commission",
        _t(
            "The National Human Rights Commission",
            "La Commission nationale des droits de l'homme",
            "La Comisión Nacional de Derechos Humanos",
            "اللجنة الوطنية لحقوق الإنسان",
        ),
        _t(
            "The existing National Human Rights Commission, a body of nine members, receives the "
            "mandate. It sets up a distinct prevention department with its own staff and budget, "
            "separate from its work on complaints.",
            "L'actuelle Commission nationale des droits de l'homme, composée de neuf membres, "
            "reçoit le mandat. Elle crée un département de la prévention distinct, doté de son "
            "propre personnel et de son propre budget, séparé du traitement des plaintes.",
            "La actual Comisión Nacional de Derechos Humanos, integrada por nueve miembros, "
            "recibe el mandato. Crea un departamento de prevención diferenciado, con personal y "
            "presupuesto propios, separado de la tramitación de quejas.",
            "تتولى اللجنة الوطنية لحقوق الإنسان القائمة، المؤلفة من تسعة أعضاء، هذه الولاية. "
            "وتنشئ إدارة مستقلة للوقاية لها موظفوها وميزانيتها الخاصة، منفصلة عن عملها في تلقي "
            "الشكاوى.",
        ),
    ),
    Option(
        "decentralised_federal",
        "decentralised_federal",
        _t(
            "National and provincial mechanisms",
            "Mécanisme national et mécanismes provinciaux",
            "Mecanismo nacional y mecanismos provinciales",
            "آلية وطنية وآليات إقليمية",
        ),
        _t(
            "A national mechanism visits places under federal authority, and each province and "
            "the Capital Territory create their own mechanism for the places they run. A federal "
            "law sets common standards, and the national mechanism coordinates the work and the "
            "contacts with the UN Subcommittee on Prevention of Torture.",
            "Un mécanisme national visite les lieux relevant de l'autorité fédérale, et chaque "
            "province ainsi que le territoire de la capitale créent leur propre mécanisme pour "
            "les lieux qu'ils administrent. Une loi fédérale fixe des normes communes ; le "
            "mécanisme national coordonne les travaux et les relations avec le Sous-comité des "
            "Nations Unies pour la prévention de la torture.",
            "Un mecanismo nacional visita los lugares que dependen de las autoridades federales, "
            "y cada provincia, así como el Territorio de la Capital, crea su propio mecanismo "
            "para los lugares que administra. Una ley federal fija normas comunes, y el "
            "mecanismo nacional coordina el trabajo y la relación con el Subcomité de las "
            "Naciones Unidas para la Prevención de la Tortura.",
            "تزور آلية وطنية الأماكن الخاضعة للسلطة الاتحادية، وينشئ كل إقليم، وكذلك إقليم "
            "العاصمة، آليته الخاصة للأماكن التي يديرها. ويضع قانون اتحادي معايير مشتركة، وتتولى "
            "الآلية الوطنية تنسيق العمل والتواصل مع اللجنة الفرعية لمنع التعذيب التابعة للأمم "
            "المتحدة.",
        ),
    ),
)

#: The provinces and territory of the fictional federation, then the federal level.
JURISDICTIONS = (
    Choice(
        "north",
        _t(
            "Northern Highlands Province",
            "Province des Hautes-Terres du Nord",
            "Provincia de las Tierras Altas del Norte",
            "إقليم المرتفعات الشمالية",
        ),
    ),
    Choice(
        "coast",
        _t("Coast Province", "Province du Littoral", "Provincia del Litoral", "إقليم الساحل"),
    ),
    Choice(
        "delta",
        _t("River Delta Province", "Province du Delta", "Provincia del Delta", "إقليم الدلتا"),
    ),
    Choice(
        "plains",
        _t(
            "Eastern Plains Province",
            "Province des Plaines de l'Est",
            "Provincia de las Llanuras Orientales",
            "إقليم السهول الشرقية",
        ),
    ),
    Choice(
        "lakes",
        _t("Lakes Province", "Province des Lacs", "Provincia de los Lagos", "إقليم البحيرات"),
    ),
    Choice(
        "south",
        _t(
            "Southern Hills Province",
            "Province des Collines du Sud",
            "Provincia de las Colinas del Sur",
            "إقليم التلال الجنوبية",
        ),
    ),
    Choice(
        "capital",
        _t(
            "Capital Territory",
            "Territoire de la capitale",
            "Territorio de la Capital",
            "إقليم العاصمة",
        ),
    ),
    Choice(
        "federal",
        _t(
            "Federal level (the whole country)",
            "Niveau fédéral (tout le pays)",
            "Nivel federal (todo el país)",
            "المستوى الاتحادي (البلد بأكمله)",
        ),
    ),
)

PROFILE = Profile(
    categories=list(STAKEHOLDERS.keys()),
    custom_categories=[
        Choice(
            "municipal",
            _t("Municipal authority", "Autorité municipale", "Autoridad municipal", "سلطة بلدية"),
        )
    ],
    jurisdiction=JurisdictionMode.CUSTOM,
    custom_jurisdictions=list(JURISDICTIONS),
    ask_place=True,
)

#: Channels of the questions that only organisations and the public are asked.
NAMED = [Channel.OPEN.value, Channel.INVITED.value]


SECTIONS: tuple[tuple[Section, tuple[Question, ...]], ...] = (
    (
        Section(
            "experience",
            _t("Your experience", "Votre expérience", "Su experiencia", "تجربتك"),
            _t(
                "This questionnaire is a fictional demonstration: please do not enter real "
                "personal information. The first questions are about your own experience of "
                "places of detention. Every question is optional unless marked otherwise.",
                "Ce questionnaire est une démonstration fictive : n'y saisissez aucune "
                "information personnelle réelle. Les premières questions portent sur votre "
                "propre expérience des lieux de privation de liberté. Toutes les questions sont "
                "facultatives, sauf indication contraire.",
                "Este cuestionario es una demostración ficticia: no introduzca datos personales "
                "reales. Las primeras preguntas se refieren a su propia experiencia con los "
                "lugares de privación de libertad. Todas las preguntas son opcionales, salvo que "
                "se indique lo contrario.",
                "هذا الاستبيان عرض تجريبي افتراضي: يُرجى عدم إدخال أي معلومات شخصية حقيقية. "
                "تتناول الأسئلة الأولى تجربتك الشخصية مع أماكن الحرمان من الحرية. وجميع الأسئلة "
                "اختيارية ما لم يُذكر خلاف ذلك.",
            ),
        ),
        (
            Question(
                "detained",
                QuestionType.YES_NO,
                text=_t(
                    "Have you ever been deprived of liberty, for example in police custody, in "
                    "prison, in immigration detention or in a psychiatric hospital?",
                    "Avez-vous déjà connu une privation de liberté, par exemple en garde à vue, "
                    "en prison, en centre de rétention pour étrangers ou en hôpital "
                    "psychiatrique ?",
                    "¿Ha estado alguna vez en situación de privación de libertad, por ejemplo, "
                    "bajo custodia policial, en prisión, en un centro de internamiento de "
                    "migrantes o en un hospital psiquiátrico?",
                    "هل سبق أن حُرمت من حريتك، مثلًا في حجز الشرطة أو في السجن أو في مركز "
                    "لاحتجاز المهاجرين أو في مستشفى للأمراض النفسية؟",
                ),
                help=_t(
                    "You do not have to answer. Answers are used only to compare the views of "
                    "different groups; nobody will contact you.",
                    "Cette question est facultative. Les réponses servent uniquement à comparer "
                    "les points de vue des différents groupes ; personne ne vous contactera.",
                    "Esta pregunta es opcional. Las respuestas solo se usan para comparar las "
                    "opiniones de los distintos grupos; nadie se pondrá en contacto con usted.",
                    "الإجابة عن هذا السؤال اختيارية. ولا تُستخدم الإجابات إلا لمقارنة آراء الفئات "
                    "المختلفة، ولن يتصل بك أحد.",
                ),
                easy=_t(
                    "Have you ever been in prison, in a police cell or in another place you "
                    "were not allowed to leave?",
                    "Avez-vous déjà été en prison, dans une cellule de police ou dans un autre "
                    "lieu que vous n'aviez pas le droit de quitter ?",
                    "¿Ha estado alguna vez en la cárcel, en un calabozo de la policía o en otro "
                    "lugar del que no le dejaban salir?",
                    "هل سبق أن كنت في السجن أو في زنزانة للشرطة أو في مكان آخر لم يُسمح لك "
                    "بمغادرته؟",
                ),
            ),
            Question(
                "detention_places",
                QuestionType.MULTIPLE,
                required=True,
                condition=Condition("detained", ConditionOp.EQUALS, "yes"),
                text=_t(
                    "Where were you deprived of liberty? Choose all that apply.",
                    "Dans quels lieux cette privation de liberté a-t-elle eu lieu ? Cochez "
                    "toutes les réponses pertinentes.",
                    "¿En qué tipo de lugares ocurrió? Marque todas las opciones que correspondan.",
                    "أين حُرمت من حريتك؟ اختر كل ما ينطبق.",
                ),
                help=_t(
                    "This tells us which places the future mechanism should know best.",
                    "Cela nous indique quels lieux le futur mécanisme devra connaître le mieux.",
                    "Esto nos indica qué lugares debe conocer mejor el futuro mecanismo.",
                    "يساعدنا ذلك على معرفة الأماكن التي ينبغي أن تعرفها الآلية المقبلة أكثر "
                    "من غيرها.",
                ),
                choices=[
                    Choice(
                        "police",
                        _t(
                            "Police station or police custody",
                            "Commissariat ou garde à vue",
                            "Comisaría o custodia policial",
                            "مركز للشرطة أو حجز لدى الشرطة",
                        ),
                    ),
                    Choice(
                        "remand",
                        _t(
                            "Pre-trial detention",
                            "Détention provisoire",
                            "Prisión preventiva",
                            "الحبس الاحتياطي",
                        ),
                    ),
                    Choice(
                        "prison",
                        _t(
                            "Prison, after a sentence",
                            "Prison, après une condamnation",
                            "Prisión, tras una condena",
                            "السجن بعد صدور حكم",
                        ),
                    ),
                    Choice(
                        "immigration",
                        _t(
                            "Immigration detention centre",
                            "Centre de rétention pour étrangers",
                            "Centro de internamiento de migrantes",
                            "مركز لاحتجاز المهاجرين",
                        ),
                    ),
                    Choice(
                        "psychiatric",
                        _t(
                            "Psychiatric hospital or care home",
                            "Hôpital psychiatrique ou établissement médico-social",
                            "Hospital psiquiátrico o residencia asistida",
                            "مستشفى للأمراض النفسية أو دار للرعاية",
                        ),
                    ),
                    Choice("other", _t("Somewhere else", "Ailleurs", "Otro lugar", "مكان آخر")),
                ],
            ),
            Question(
                "visited",
                QuestionType.YES_NO,
                condition=Condition("detained", ConditionOp.EQUALS, "yes"),
                text=_t(
                    "While you were deprived of liberty, did an independent body ever visit the "
                    "place where you were held?",
                    "Pendant cette privation de liberté, un organe indépendant a-t-il visité le "
                    "lieu où vous vous trouviez ?",
                    "Durante ese tiempo, ¿algún organismo independiente visitó el lugar donde "
                    "usted se encontraba?",
                    "هل زارت أي هيئة مستقلة المكان الذي احتُجزت فيه خلال فترة حرمانك من حريتك؟",
                ),
                help=_t(
                    "For example a human rights commission, an ombudsman or a non-governmental "
                    "organisation, but not the staff of the place or the judge in your case.",
                    "Par exemple une commission des droits de l'homme, un médiateur ou une "
                    "organisation non gouvernementale, mais pas le personnel du lieu ni le juge "
                    "chargé de votre affaire.",
                    "Por ejemplo, una comisión de derechos humanos, una defensoría del pueblo o "
                    "una organización no gubernamental; no el personal del lugar ni el juez de "
                    "su causa.",
                    "مثل لجنة لحقوق الإنسان أو أمين للمظالم أو منظمة غير حكومية، وليس موظفي "
                    "المكان أو القاضي الذي ينظر في قضيتك.",
                ),
            ),
        ),
    ),
    (
        Section(
            "options",
            _t(
                "The options for the mechanism",
                "Les options pour le mécanisme",
                "Las opciones para el mecanismo",
                "الخيارات المطروحة للآلية",
            ),
            _t(
                "Four options are under discussion for the national preventive mechanism, the "
                "independent body that will regularly visit all places where people are "
                "deprived of liberty.",
                "Quatre options sont à l'étude pour le mécanisme national de prévention, "
                "l'organe indépendant qui visitera régulièrement tous les lieux où des personnes "
                "sont privées de liberté.",
                "Se están estudiando cuatro opciones para el mecanismo nacional de prevención, "
                "el órgano independiente que visitará periódicamente todos los lugares donde hay "
                "personas privadas de libertad.",
                "تُدرس أربعة خيارات للآلية الوقائية الوطنية، وهي الهيئة المستقلة التي ستزور "
                "بانتظام جميع الأماكن التي يُحرم فيها أشخاص من حريتهم.",
            ),
        ),
        (
            Question(
                "ranking",
                QuestionType.RANKING,
                rank_source="options",
                text=_t(
                    "Rank the options from the one you prefer (1) to the one you like least.",
                    "Classez les options, de celle que vous préférez (1) à celle qui vous "
                    "convient le moins.",
                    "Ordene las opciones de la que prefiere (1) a la que menos le convence.",
                    "رتّب الخيارات من الخيار الذي تفضّله أكثر من غيره (1) إلى الخيار الذي "
                    "تفضّله أقل من غيره.",
                ),
                help=_t(
                    "You may rank only some of the options, or none. Leave an option empty if "
                    "you have no view on it.",
                    "Vous pouvez ne classer que certaines options, voire aucune. Laissez vide "
                    "une option sur laquelle vous n'avez pas d'avis.",
                    "Puede ordenar solo algunas opciones, o ninguna. Deje en blanco las opciones "
                    "sobre las que no tenga opinión.",
                    "يمكنك ترتيب بعض الخيارات فقط أو عدم ترتيب أي منها. واترك الخيار فارغًا إن "
                    "لم يكن لديك رأي فيه.",
                ),
                easy=_t(
                    "Which idea do you like best? Put 1 next to it. Put 2 next to the next "
                    "best, and so on.",
                    "Quelle idée préférez-vous ? Mettez 1 à côté. Mettez 2 à côté de la "
                    "suivante, et ainsi de suite.",
                    "¿Qué idea le gusta más? Ponga un 1 a su lado. Ponga un 2 a la siguiente, y "
                    "así sucesivamente.",
                    "ما الفكرة التي تعجبك أكثر؟ ضع الرقم 1 بجانبها، ثم الرقم 2 بجانب الفكرة "
                    "التالية، وهكذا.",
                ),
            ),
            Question(
                "federal_roles",
                QuestionType.SINGLE,
                condition=Condition("ranking", ConditionOp.INCLUDES, "decentralised_federal"),
                text=_t(
                    "If there are national and provincial mechanisms, how should they work "
                    "together?",
                    "S'il existe un mécanisme national et des mécanismes provinciaux, comment "
                    "devraient-ils travailler ensemble ?",
                    "Si hay un mecanismo nacional y mecanismos provinciales, ¿cómo deberían "
                    "trabajar juntos?",
                    "إذا أُنشئت آلية وطنية وآليات إقليمية، فكيف ينبغي أن تعمل معًا؟",
                ),
                help=_t(
                    "You see this question because you ranked the option of national and "
                    "provincial mechanisms.",
                    "Cette question s'affiche parce que vous avez classé l'option d'un mécanisme "
                    "national et de mécanismes provinciaux.",
                    "Esta pregunta aparece porque ha incluido en su clasificación la opción de "
                    "un mecanismo nacional y mecanismos provinciales.",
                    "يظهر لك هذا السؤال لأنك أدرجت في ترتيبك خيار الآلية الوطنية والآليات "
                    "الإقليمية.",
                ),
                choices=[
                    Choice(
                        "coordinated",
                        _t(
                            "One federal law and common standards; the national mechanism "
                            "coordinates the provincial ones",
                            "Une loi fédérale et des normes communes ; le mécanisme national "
                            "coordonne les mécanismes provinciaux",
                            "Una ley federal y normas comunes; el mecanismo nacional coordina los "
                            "provinciales",
                            "قانون اتحادي واحد ومعايير مشتركة، وتنسّق الآلية الوطنية عمل الآليات "
                            "الإقليمية",
                        ),
                    ),
                    Choice(
                        "network",
                        _t(
                            "Each mechanism sets its own methods; they meet as equals in a "
                            "national network",
                            "Chaque mécanisme fixe ses propres méthodes ; ils se réunissent sur un "
                            "pied d'égalité au sein d'un réseau national",
                            "Cada mecanismo define sus propios métodos y todos se reúnen en pie de "
                            "igualdad en una red nacional",
                            "تحدد كل آلية أساليب عملها، وتلتقي الآليات كلها على قدم المساواة في "
                            "شبكة وطنية",
                        ),
                    ),
                    Choice(
                        "provinces_decide",
                        _t(
                            "Each province decides whether and how to set up its own mechanism",
                            "Chaque province décide si elle crée son propre mécanisme, et comment",
                            "Cada provincia decide si crea su propio mecanismo y de qué manera",
                            "يقرر كل إقليم ما إذا كان سينشئ آليته الخاصة وكيف ينشئها",
                        ),
                    ),
                ],
            ),
            Question(
                "independence",
                QuestionType.SCALE,
                required=True,
                text=_t(
                    "How confident are you that your preferred option would be truly "
                    "independent of the authorities whose places it visits?",
                    "Dans quelle mesure pensez-vous que l'option que vous préférez serait "
                    "réellement indépendante des autorités dont elle visite les lieux ?",
                    "¿En qué medida cree que la opción que prefiere sería realmente "
                    "independiente de las autoridades cuyos lugares visita?",
                    "إلى أي مدى تعتقد أن الخيار الذي تفضّله سيكون مستقلًا فعلًا عن السلطات التي "
                    "يزور الأماكن التابعة لها؟",
                ),
                help=_t(
                    "Think of who appoints its members, who decides its budget and whether it "
                    "can publish its findings freely.",
                    "Pensez à qui nomme ses membres, à qui décide de son budget et à sa liberté "
                    "de publier ses constats.",
                    "Piense en quién nombra a sus miembros, quién decide su presupuesto y si "
                    "puede publicar libremente sus conclusiones.",
                    "فكّر في الجهة التي تعيّن أعضاء الهيئة، والجهة التي تقرر ميزانيتها، ومدى "
                    "حريتها في نشر ما تتوصل إليه.",
                ),
                easy=_t(
                    "Could this body say what it sees, without fear of the government?",
                    "Cet organe pourrait-il dire ce qu'il voit, sans avoir peur du gouvernement ?",
                    "¿Podría este órgano contar lo que ve sin miedo al Gobierno?",
                    "هل تستطيع هذه الهيئة أن تقول ما تراه دون خوف من الحكومة؟",
                ),
                choices=[
                    Choice(
                        "not_at_all",
                        _t("Not at all confident", "Pas du tout", "Nada", "لا على الإطلاق"),
                    ),
                    Choice("slightly", _t("Slightly confident", "Un peu", "Poco", "قليلًا")),
                    Choice(
                        "moderately",
                        _t("Moderately confident", "Moyennement", "Moderadamente", "إلى حد ما"),
                    ),
                    Choice("very", _t("Very confident", "Largement", "Bastante", "إلى حد كبير")),
                    Choice(
                        "completely",
                        _t("Completely confident", "Tout à fait", "Totalmente", "تمامًا"),
                    ),
                ],
            ),
            Question(
                "concerns",
                QuestionType.LONG_TEXT,
                max_length=2000,
                text=_t(
                    "Do you have concerns about any of the options? Please explain.",
                    "Avez-vous des inquiétudes au sujet de l'une des options ? Expliquez-les.",
                    "¿Le preocupa alguna de las opciones? Explique por qué.",
                    "هل لديك مخاوف بشأن أي من الخيارات؟ يُرجى التوضيح.",
                ),
                help=_t(
                    "For example about independence, cost, the time needed to set it up, or "
                    "access to places in every province.",
                    "Par exemple sur l'indépendance, le coût, le délai de mise en place ou "
                    "l'accès aux lieux dans chaque province.",
                    "Por ejemplo, sobre la independencia, el coste, el tiempo necesario para "
                    "ponerla en marcha o el acceso a los lugares en todas las provincias.",
                    "مثلًا بشأن الاستقلالية أو التكلفة أو الوقت اللازم للإنشاء أو إمكانية الوصول "
                    "إلى الأماكن في كل الأقاليم.",
                ),
            ),
        ),
    ),
    (
        Section(
            "guarantees",
            _t(
                "Guarantees and priorities",
                "Garanties et priorités",
                "Garantías y prioridades",
                "الضمانات والأولويات",
            ),
            _t(
                "The Optional Protocol lists guarantees that the mechanism needs to do its "
                "work. Tell us which ones the law must contain, and what the mechanism should "
                "do first.",
                "Le Protocole facultatif énumère les garanties dont le mécanisme a besoin pour "
                "accomplir sa mission. Dites-nous lesquelles la loi doit contenir et ce que le "
                "mécanisme devrait faire en priorité.",
                "El Protocolo Facultativo enumera las garantías que el mecanismo necesita para "
                "cumplir su labor. Díganos cuáles debe recoger la ley y qué debería hacer "
                "primero el mecanismo.",
                "يحدد البروتوكول الاختياري الضمانات التي تحتاجها الآلية لأداء عملها. أخبرنا "
                "بالضمانات التي يجب أن ينص عليها القانون، وبما ينبغي أن تقوم به الآلية أولًا.",
            ),
        ),
        (
            Question(
                "guarantees",
                QuestionType.MATRIX,
                required=True,
                rows=[
                    "mandate_all_places",
                    "functional_independence",
                    "resources",
                    "access_all_places",
                    "private_interviews",
                    "choice_of_places_persons",
                    "no_sanctions",
                    "gender_minority_balance",
                ],
                text=_t(
                    "How important is it that the law creating the mechanism contains each of "
                    "these guarantees?",
                    "Dans quelle mesure est-il important que la loi créant le mécanisme "
                    "contienne chacune de ces garanties ?",
                    "¿Qué importancia tiene que la ley que cree el mecanismo recoja cada una de "
                    "estas garantías?",
                    "ما مدى أهمية أن يتضمن القانون المنشئ للآلية كلًّا من هذه الضمانات؟",
                ),
                help=_t(
                    "Rate every guarantee. A guarantee is essential if the mechanism could not "
                    "work properly without it.",
                    "Évaluez chaque garantie. Une garantie est essentielle si le mécanisme ne "
                    "peut pas fonctionner correctement sans elle.",
                    "Valore cada garantía. Una garantía es esencial si el mecanismo no puede "
                    "funcionar correctamente sin ella.",
                    "قيّم كل ضمانة. وتكون الضمانة أساسية إذا كانت الآلية لا تستطيع أن تعمل على "
                    "النحو الصحيح بدونها.",
                ),
                easy=_t(
                    "The law can promise many things to the body that makes the visits. Which "
                    "promises matter to you?",
                    "La loi peut promettre beaucoup de choses à l'organe qui fait les visites. "
                    "Quelles promesses comptent pour vous ?",
                    "La ley puede prometer muchas cosas al órgano que hace las visitas. ¿Qué "
                    "promesas son importantes para usted?",
                    "يمكن للقانون أن يَعِد الهيئة التي تقوم بالزيارات بأشياء كثيرة. ما الوعود "
                    "المهمة بالنسبة إليك؟",
                ),
            ),
            Question(
                "places",
                QuestionType.MULTIPLE,
                text=_t(
                    "Which places should the mechanism visit first?",
                    "Quels lieux le mécanisme devrait-il visiter en priorité ?",
                    "¿Qué lugares debería visitar primero el mecanismo?",
                    "ما الأماكن التي ينبغي أن تزورها الآلية أولًا؟",
                ),
                help=_t(
                    "Choose the places where you think the risk of ill-treatment is highest. "
                    "You may choose several.",
                    "Choisissez les lieux où le risque de mauvais traitements vous paraît le "
                    "plus élevé. Plusieurs réponses sont possibles.",
                    "Elija los lugares donde considere que el riesgo de malos tratos es mayor. "
                    "Puede elegir varios.",
                    "اختر الأماكن التي ترى أن خطر سوء المعاملة فيها هو الأعلى. ويمكنك اختيار "
                    "أكثر من مكان.",
                ),
                choices=[
                    Choice(
                        "police",
                        _t(
                            "Police stations",
                            "Commissariats de police",
                            "Comisarías de policía",
                            "مراكز الشرطة",
                        ),
                    ),
                    Choice(
                        "prisons",
                        _t(
                            "Prisons and pre-trial detention centres",
                            "Prisons et maisons d'arrêt",
                            "Cárceles y centros de prisión preventiva",
                            "السجون ومراكز الحبس الاحتياطي",
                        ),
                    ),
                    Choice(
                        "immigration",
                        _t(
                            "Immigration detention centres",
                            "Centres de rétention pour étrangers",
                            "Centros de internamiento de migrantes",
                            "مراكز احتجاز المهاجرين",
                        ),
                    ),
                    Choice(
                        "psychiatric",
                        _t(
                            "Psychiatric hospitals",
                            "Hôpitaux psychiatriques",
                            "Hospitales psiquiátricos",
                            "مستشفيات الأمراض النفسية",
                        ),
                    ),
                    Choice(
                        "care_homes",
                        _t(
                            "Care homes for older persons and persons with disabilities",
                            "Établissements pour personnes âgées et personnes handicapées",
                            "Residencias para personas mayores y personas con discapacidad",
                            "دور رعاية المسنين والأشخاص ذوي الإعاقة",
                        ),
                    ),
                    Choice(
                        "juvenile",
                        _t(
                            "Juvenile detention centres",
                            "Centres de détention pour mineurs",
                            "Centros de internamiento de menores",
                            "مراكز احتجاز الأحداث",
                        ),
                    ),
                    Choice(
                        "military",
                        _t(
                            "Military detention facilities",
                            "Lieux de détention militaires",
                            "Centros de detención militares",
                            "مرافق الاحتجاز العسكرية",
                        ),
                    ),
                ],
            ),
            Question(
                "health_experts",
                QuestionType.YES_NO,
                condition=Condition("places", ConditionOp.INCLUDES, "psychiatric"),
                text=_t(
                    "Should the mechanism's visiting teams include health professionals, such "
                    "as doctors and psychologists?",
                    "Les équipes de visite du mécanisme devraient-elles comprendre des "
                    "professionnels de santé, comme des médecins et des psychologues ?",
                    "¿Deberían los equipos de visita del mecanismo incluir profesionales de la "
                    "salud, como médicos y psicólogos?",
                    "هل ينبغي أن تضم فرق الزيارة التابعة للآلية مهنيين صحيين، مثل الأطباء "
                    "والأخصائيين النفسيين؟",
                ),
                help=_t(
                    "You see this question because you chose psychiatric hospitals.",
                    "Cette question s'affiche parce que vous avez choisi les hôpitaux "
                    "psychiatriques.",
                    "Esta pregunta aparece porque ha elegido los hospitales psiquiátricos.",
                    "يظهر لك هذا السؤال لأنك اخترت مستشفيات الأمراض النفسية.",
                ),
            ),
            Question(
                "first_year",
                QuestionType.RANKING,
                rank_source="custom",
                text=_t(
                    "What should the mechanism do in its first year? Rank the tasks you "
                    "consider most urgent.",
                    "Que devrait faire le mécanisme au cours de sa première année ? Classez les "
                    "tâches qui vous semblent les plus urgentes.",
                    "¿Qué debería hacer el mecanismo en su primer año? Ordene las tareas que "
                    "considere más urgentes.",
                    "ما الذي ينبغي أن تقوم به الآلية في سنتها الأولى؟ رتّب المهام التي تراها "
                    "الأكثر إلحاحًا.",
                ),
                help=_t(
                    "Rank as many tasks as you wish and leave the others empty.",
                    "Classez autant de tâches que vous le souhaitez et laissez les autres vides.",
                    "Ordene tantas tareas como quiera y deje las demás en blanco.",
                    "رتّب ما تشاء من المهام، واترك الباقي فارغًا.",
                ),
                choices=[
                    Choice(
                        "visits",
                        _t(
                            "Visit the places at highest risk",
                            "Visiter les lieux les plus à risque",
                            "Visitar los lugares de mayor riesgo",
                            "زيارة الأماكن الأكثر عرضة للخطر",
                        ),
                    ),
                    Choice(
                        "law_review",
                        _t(
                            "Comment on laws and draft laws about detention",
                            "Formuler des observations sur les lois et projets de loi "
                            "relatifs à la détention",
                            "Formular observaciones sobre las leyes y los proyectos de ley "
                            "relativos a la detención",
                            "إبداء الملاحظات على القوانين ومشاريع القوانين المتعلقة بالاحتجاز",
                        ),
                    ),
                    Choice(
                        "training",
                        _t(
                            "Train its members and staff",
                            "Former ses membres et son personnel",
                            "Formar a sus miembros y a su personal",
                            "تدريب أعضائها وموظفيها",
                        ),
                    ),
                    Choice(
                        "information",
                        _t(
                            "Tell persons deprived of liberty about its role",
                            "Informer les personnes privées de liberté de son rôle",
                            "Informar a las personas privadas de libertad sobre su función",
                            "تعريف الأشخاص المحرومين من حريتهم بدورها",
                        ),
                    ),
                    Choice(
                        "report",
                        _t(
                            "Publish a first report on conditions of detention",
                            "Publier un premier rapport sur les conditions de détention",
                            "Publicar un primer informe sobre las condiciones de detención",
                            "نشر تقرير أول عن ظروف الاحتجاز",
                        ),
                    ),
                ],
            ),
            Question(
                "staff",
                QuestionType.NUMBER,
                integer=True,
                min_value=1,
                max_value=500,
                text=_t(
                    "How many full-time staff would the mechanism need to visit every place of "
                    "detention at least once every two years?",
                    "De combien d'agents à temps plein le mécanisme aurait-il besoin pour "
                    "visiter chaque lieu de privation de liberté au moins une fois tous les "
                    "deux ans ?",
                    "¿Cuántas personas empleadas a tiempo completo necesitaría el mecanismo "
                    "para visitar cada lugar de privación de libertad al menos una vez cada dos "
                    "años?",
                    "كم عدد الموظفين المتفرغين الذين تحتاج إليهم الآلية لزيارة كل مكان من أماكن "
                    "الحرمان من الحرية مرة واحدة على الأقل كل سنتين؟",
                ),
                help=_t(
                    "For reference, the Fictional State has about 430 places of detention (a "
                    "fictional figure). Give your best estimate.",
                    "À titre indicatif, l'État fictif compte environ 430 lieux de privation de "
                    "liberté (chiffre fictif). Donnez votre meilleure estimation.",
                    "Como referencia, el Estado ficticio cuenta con unos 430 lugares de "
                    "privación de libertad (cifra ficticia). Indique su mejor estimación.",
                    "للاستئناس، يوجد في الدولة الافتراضية نحو 430 مكانًا من أماكن الحرمان من "
                    "الحرية (رقم افتراضي). قدّم أفضل تقدير لديك.",
                ),
            ),
        ),
    ),
    (
        Section(
            "process",
            _t(
                "The designation process",
                "Le processus de désignation",
                "El proceso de designación",
                "عملية التعيين",
            ),
            _t(
                "Finally, a few questions on how the mechanism should be created, and on your "
                "own part in the process.",
                "Pour finir, quelques questions sur la manière de créer le mécanisme et sur "
                "votre propre participation au processus.",
                "Por último, algunas preguntas sobre cómo debería crearse el mecanismo y sobre "
                "su propia participación en el proceso.",
                "وأخيرًا، بعض الأسئلة عن طريقة إنشاء الآلية وعن مشاركتك أنت في هذه العملية.",
            ),
        ),
        (
            Question(
                "consulted_before",
                QuestionType.YES_NO,
                required=True,
                text=_t(
                    "Before this consultation, had anyone asked for your views on the national "
                    "preventive mechanism?",
                    "Avant cette consultation, vous avait-on déjà demandé votre avis sur le "
                    "mécanisme national de prévention ?",
                    "Antes de esta consulta, ¿alguien le había pedido su opinión sobre el "
                    "mecanismo nacional de prevención?",
                    "قبل هذه الاستشارة، هل طلب منك أحد رأيك في الآلية الوقائية الوطنية؟",
                ),
                help=_t(
                    "For example in a meeting, at a hearing or in a written request from the "
                    "federal government or a provincial government.",
                    "Par exemple lors d'une réunion, d'une audition ou par une demande écrite "
                    "du gouvernement fédéral ou d'un gouvernement provincial.",
                    "Por ejemplo, en una reunión, en una audiencia o mediante una solicitud por "
                    "escrito del Gobierno federal o de un gobierno provincial.",
                    "مثلًا في اجتماع أو جلسة استماع أو بطلب مكتوب من الحكومة الاتحادية أو من "
                    "حكومة أحد الأقاليم.",
                ),
            ),
            Question(
                "legal_basis",
                QuestionType.SINGLE,
                channels=list(NAMED),
                text=_t(
                    "What legal basis should the mechanism have?",
                    "Quel fondement juridique le mécanisme devrait-il avoir ?",
                    "¿Qué base jurídica debería tener el mecanismo?",
                    "ما الأساس القانوني الذي ينبغي أن تقوم عليه الآلية؟",
                ),
                help=_t(
                    "The UN Subcommittee on Prevention of Torture recommends that the mandate "
                    "and powers of the mechanism be set out in the constitution or in a law.",
                    "Le Sous-comité des Nations Unies pour la prévention de la torture "
                    "recommande que le mandat et les pouvoirs du mécanisme figurent dans la "
                    "Constitution ou dans une loi.",
                    "El Subcomité de las Naciones Unidas para la Prevención de la Tortura "
                    "recomienda que el mandato y las facultades del mecanismo se establezcan en "
                    "la Constitución o en una ley.",
                    "توصي اللجنة الفرعية لمنع التعذيب التابعة للأمم المتحدة بأن تُحدَّد ولاية "
                    "الآلية وصلاحياتها في الدستور أو في قانون.",
                ),
                choices=[
                    Choice(
                        "constitution",
                        _t(
                            "The constitution, with a law for the details",
                            "La Constitution, complétée par une loi",
                            "La Constitución, complementada por una ley",
                            "الدستور، مع قانون ينظم التفاصيل",
                        ),
                    ),
                    Choice(
                        "statute",
                        _t(
                            "A law adopted by parliament",
                            "Une loi adoptée par le Parlement",
                            "Una ley aprobada por el Parlamento",
                            "قانون يعتمده البرلمان",
                        ),
                    ),
                    Choice(
                        "decree",
                        _t(
                            "A government decree",
                            "Un décret du Gouvernement",
                            "Un decreto del Gobierno",
                            "مرسوم حكومي",
                        ),
                    ),
                    Choice("unsure", _t("I don't know", "Je ne sais pas", "No lo sé", "لا أعرف")),
                ],
            ),
            Question(
                "involvement",
                QuestionType.SHORT_TEXT,
                channels=list(NAMED),
                max_length=200,
                text=_t(
                    "How would you or your organisation like to take part in the mechanism's work?",
                    "Comment vous-même ou votre organisation souhaiteriez-vous participer aux "
                    "travaux du mécanisme ?",
                    "¿Cómo le gustaría a usted o a su organización participar en el trabajo del "
                    "mecanismo?",
                    "كيف تودّ أنت أو منظمتك المشاركة في عمل الآلية؟",
                ),
                help=_t(
                    "For example as a member, as an expert, as a partner for visits, or by "
                    "sharing information. 200 characters at most.",
                    "Par exemple en tant que membre, en tant qu'expert, comme partenaire des "
                    "visites ou en partageant des informations. 200 caractères au maximum.",
                    "Por ejemplo, como miembro, como persona experta, colaborando en las visitas "
                    "o compartiendo información. Máximo 200 caracteres.",
                    "مثلًا بصفة عضو أو خبير أو شريك في الزيارات، أو بتبادل المعلومات. 200 حرف "
                    "كحد أقصى.",
                ),
            ),
            Question(
                "comments",
                QuestionType.LONG_TEXT,
                max_length=2000,
                text=_t(
                    "Is there anything else the authorities should know before they designate "
                    "the mechanism?",
                    "Y a-t-il autre chose que les autorités devraient savoir avant de désigner "
                    "le mécanisme ?",
                    "¿Hay algo más que las autoridades deban saber antes de designar el mecanismo?",
                    "هل هناك أي أمر آخر ينبغي أن تعرفه السلطات قبل أن تعيّن الآلية؟",
                ),
                help=_t(
                    "Please do not name anyone or give details that could identify a person.",
                    "Merci de ne nommer personne et de ne donner aucun détail permettant "
                    "d'identifier quelqu'un.",
                    "Por favor, no mencione nombres ni dé detalles que permitan identificar a "
                    "alguien.",
                    "يُرجى عدم ذكر أسماء أشخاص أو تقديم تفاصيل قد تكشف هوية أي شخص.",
                ),
                easy=_t(
                    "Is there anything else you want to tell us?",
                    "Voulez-vous nous dire autre chose ?",
                    "¿Quiere decirnos algo más?",
                    "هل تريد أن تخبرنا بشيء آخر؟",
                ),
            ),
        ),
    ),
)


def questionnaire() -> Questionnaire:
    """The demo questionnaire as a document (texts and structure, without sources)."""
    return Questionnaire(
        options=list(OPTIONS),
        profile=PROFILE,
        sections=[Section(s.key, s.title, s.intro, list(qs)) for s, qs in SECTIONS],
    )


# Loading and removing ----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLoaded:
    organisation: Organisation
    consultation: Consultation
    accounts: tuple[tuple[str, str, tuple[Role, ...]], ...]
    #: ``(trustee e-mail, share)``: printed once, so that a new user can try unsealing.
    shares: tuple[tuple[str, str], ...] = ()
    #: The second consultation: closed, unsealed, and its report published.
    published: Consultation | None = None


def is_loaded() -> bool:
    return db.session.scalar(select(Organisation.id).where(Organisation.is_demo)) is not None


def database_is_empty() -> bool:
    return db.session.scalar(select(Organisation.id).limit(1)) is None


def load() -> DemoLoaded:
    """Create the demo organisation, its members, an open, answered consultation, and a
    closed one whose report is published (flushed)."""
    from consult import demo_published

    organisation = accounts.create_organisation(
        ORGANISATION_SLUG, "Demo Coalition for the Prevention of Torture (fictional)", is_demo=True
    )
    users = _members(organisation)
    today = utcnow().date()
    zone = ZoneInfo(TIMEZONE)
    consultation = create(
        organisation,
        users,
        "demo-npm-options",
        (TITLE, SUMMARY, USE_OF_INPUT),
        datetime.combine(today - timedelta(days=DAYS_OPEN - 1), time(9), zone),
        datetime.combine(today + timedelta(days=DAYS_LEFT), time(23, 59), zone),
    )
    shares = ceremony(consultation, users[0], trustees(users))
    open_and_answer(consultation, users[0], today)
    seal_answers(consultation)
    published = demo_published.load(organisation, users, today)
    db.session.flush()
    return DemoLoaded(
        organisation,
        consultation,
        tuple((email, name, roles) for email, name, roles, _ in MEMBERS),
        shares,
        published,
    )


def _members(organisation: Organisation) -> list[User]:
    """The demo's accounts, in the order of :data:`MEMBERS`, each a member with its roles."""
    users = []
    for email, name, roles, locale in MEMBERS:
        user = accounts.find_user(email) or accounts.create_user(email, name, PASSWORD, locale)
        accounts.add_member(organisation, user, roles)
        users.append(user)
    return users


def member(users: Sequence[User], role: Role) -> User:
    """The first demo account holding ``role``."""
    return next(u for u in users if role in _roles(u))


def trustees(users: Sequence[User]) -> list[User]:
    return [u for u in users if Role.TRUSTEE in _roles(u)]


def _roles(user: User) -> tuple[Role, ...]:
    return next(roles for email, _n, roles, _l in MEMBERS if email == user.email)


def create(
    organisation: Organisation,
    users: Sequence[User],
    slug: str,
    texts: tuple[Texts, Texts, Texts],
    opens_at: datetime,
    closes_at: datetime | None,
) -> Consultation:
    """A demo consultation of the Fictional State with its questionnaire, entered by the owner.

    ``texts`` are its title, summary and use of input.
    """
    title, summary, use_of_input = texts
    consultation = consultations.create(
        organisation,
        consultations.ConsultationDraft(
            slug=slug,
            country=FICTIONAL_STATE,
            default_locale="en",
            offered_locales=list(LOCALES),
            title=dict(title),
            summary=dict(summary),
            use_of_input=dict(use_of_input),
            timezone=TIMEZONE,
            ui_fallback_locale="en",
            opens_at=opens_at.astimezone(UTC),
            closes_at=closes_at.astimezone(UTC) if closes_at else None,
        ),
        users[0],
    )
    _build_questionnaire(consultation, users[0])
    return consultation


def ceremony(
    consultation: Consultation, owner: User, trustees: list[User]
) -> tuple[tuple[str, str], ...]:
    """An in-app ceremony: 2 of the demo's 3 trustees open the sealed answers."""
    outcome = crypto.run_ceremony(2, len(trustees))
    sealed.register_key(
        consultation,
        owner,
        public=outcome.public,
        wrapped=outcome.wrapped,
        identifier=outcome.identifier,
        threshold=2,
        trustee_ids=[t.id for t in trustees],
        mode=CeremonyMode.IN_APP,
    )
    return tuple(zip((t.email for t in trustees), outcome.shares, strict=True))


def _build_questionnaire(consultation: Consultation, actor: User) -> None:
    """Enter the questionnaire as an organiser would: options, profile, sections, questions."""
    for option in OPTIONS:
        questionnaires.put_option(consultation, actor, option)
    questionnaires.put_profile(consultation, actor, PROFILE)
    for section, questions in SECTIONS:
        questionnaires.put_section(consultation, actor, section)
        for question in questions:
            questionnaires.put_question(consultation, actor, section.key, question)


def remove() -> None:
    """Delete the demo organisation, its consultations, and accounts that belong nowhere else.

    Responses and their answers go with their consultation (``ON DELETE CASCADE``). The audit
    log keeps its events: it is append-only, and says that the demo was removed.
    """
    for organisation in db.session.scalars(select(Organisation).where(Organisation.is_demo)):
        db.session.execute(
            delete(Consultation).where(Consultation.organisation_id == organisation.id)
        )
        member_ids = [m.user_id for m in organisation.memberships]
        db.session.delete(organisation)
        db.session.flush()
        for user in db.session.scalars(select(User).where(User.id.in_(member_ids))):
            if not db.session.scalar(select(Membership.id).where(Membership.user_id == user.id)):
                db.session.delete(user)
    db.session.flush()


# Fictional respondents ---------------------------------------------------------------------

RESPONSES = 300
SEED = 2027
#: Sealed answers from persons deprived of liberty, former detainees and families.
SEALED_RESPONSES = 200
#: Of which keyed in from paper forms during visits.
ASSISTED_RESPONSES = 50
SEALED_GROUPS = {"deprived_of_liberty": 6, "former_detainee": 2, "family": 2}


@dataclass(frozen=True)
class Group:
    """How a stakeholder group tends to answer (all figures invented for the demo)."""

    #: Relative share of the respondents.
    weight: int
    #: Relative preference for each NPM option, in the order of ``OPTIONS``.
    prefers: tuple[int, int, int, int]
    #: Mean position on the five-point independence scale.
    confidence: float
    #: Chance of having been consulted before.
    consulted: float
    #: Typical staff estimate.
    staff: int
    #: Chance of writing each free-text answer.
    writes: float = 0.2
    #: ``anywhere``, ``federal``, ``mostly_federal`` or ``provinces``.
    where: str = "anywhere"
    #: Preferences for how national and provincial mechanisms work together.
    federal_roles: tuple[int, int, int] = (55, 35, 10)
    #: Chance of rating a guarantee essential, relative to the average respondent.
    insists: float = 1.0


#: Open-channel respondents: many NGOs, the NHRI and governments; a few persons who were
#: detained and their families (who would mostly answer on the sealed channel).
GROUPS: dict[str, Group] = {
    "civil_society": Group(70, (38, 42, 5, 15), 2.4, 0.45, 60, 0.4, insists=1.15),
    "nhri": Group(28, (14, 8, 66, 12), 3.6, 0.8, 45, 0.35),
    "government_national": Group(34, (28, 7, 40, 25), 3.9, 0.85, 20, 0.15, "federal", insists=0.75),
    "government_subnational": Group(
        28, (8, 5, 7, 80), 3.3, 0.2, 25, 0.25, "provinces", (15, 45, 40), insists=0.8
    ),
    "parliament": Group(18, (25, 30, 20, 25), 3.2, 0.35, 35, 0.2, "mostly_federal"),
    "judiciary": Group(14, (20, 30, 35, 15), 3.3, 0.25, 30, 0.15),
    "professional_body": Group(18, (25, 40, 20, 15), 2.8, 0.25, 40, 0.3),
    "academia": Group(16, (25, 35, 15, 25), 2.7, 0.3, 50, 0.4, insists=1.1),
    "former_detainee": Group(7, (38, 47, 3, 12), 1.9, 0.03, 60, 0.5, insists=1.2),
    # Only on the sealed channel: weight 0 keeps them out of the open-channel answers.
    "deprived_of_liberty": Group(0, (36, 50, 2, 12), 1.7, 0.01, 60, 0.4, insists=1.3),
    "family": Group(6, (40, 42, 6, 12), 2.1, 0.03, 50, 0.45, insists=1.1),
    "detention_staff": Group(10, (20, 15, 35, 30), 3.6, 0.15, 20, 0.1, insists=0.7),
    "media": Group(6, (25, 35, 25, 15), 2.8, 0.1, 40, 0.15),
    "international": Group(8, (30, 40, 20, 10), 2.6, 0.6, 55, 0.35, "mostly_federal", insists=1.15),
    "other": Group(5, (25, 25, 25, 25), 3.0, 0.1, 35, 0.2),
    "municipal": Group(
        8, (12, 8, 12, 68), 3.3, 0.1, 25, 0.2, "provinces", (25, 45, 30), insists=0.8
    ),
}
#: Where respondents are, roughly by population; ``federal`` is for bodies of the whole country.
WHERE = {
    "capital": 22,
    "coast": 20,
    "delta": 16,
    "plains": 12,
    "lakes": 10,
    "north": 8,
    "south": 8,
    "federal": 10,
}
LANGUAGES = {"en": 45, "fr": 20, "es": 20, "ar": 15}
#: How often each option of ``places`` is chosen, and each task of ``first_year`` put first.
PLACES_CHOSEN = {
    "police": 9,
    "prisons": 8,
    "immigration": 5,
    "psychiatric": 4,
    "care_homes": 3,
    "juvenile": 4,
    "military": 1,
}
TASKS = {"visits": 6, "report": 3, "information": 2.5, "law_review": 2, "training": 2}
#: How often each guarantee is rated essential by the average respondent.
ESSENTIAL = {
    "mandate_all_places": 0.8,
    "functional_independence": 0.85,
    "resources": 0.72,
    "access_all_places": 0.85,
    "private_interviews": 0.78,
    "choice_of_places_persons": 0.68,
    "no_sanctions": 0.8,
    "gender_minority_balance": 0.45,
}
#: Place category of the profile, for those who name one.
PROFILE_PLACES = {
    "police_custody": 8,
    "prison_sentenced": 7,
    "pretrial_remand": 4,
    "immigration": 3,
    "psychiatric": 2,
    "social_care": 2,
    "juvenile": 1,
}
DETENTION_TO_PLACE = {
    "police": "police_custody",
    "remand": "pretrial_remand",
    "prison": "prison_sentenced",
    "immigration": "immigration",
    "psychiatric": "psychiatric",
    "other": "",
}

CONCERNS = (
    _t(
        "An ombudsman's office that also handles complaints may not have the time or the staff "
        "for regular visits.",
        "Un bureau de médiation qui traite aussi les plaintes risque de manquer de temps et de "
        "personnel pour des visites régulières.",
        "Una defensoría que también tramita quejas puede no tener tiempo ni personal para hacer "
        "visitas periódicas.",
        "قد لا يملك مكتب أمين المظالم، الذي يتلقى الشكاوى أيضًا، الوقت أو الموظفين اللازمين "
        "لإجراء زيارات منتظمة.",
    ),
    _t(
        "A new body will take years to set up, and the deadline under the Optional Protocol has "
        "already passed.",
        "Un nouvel organe mettra des années à se mettre en place, alors que le délai fixé par le "
        "Protocole facultatif est déjà dépassé.",
        "Un órgano nuevo tardará años en ponerse en marcha, y el plazo del Protocolo Facultativo "
        "ya ha vencido.",
        "سيستغرق إنشاء هيئة جديدة سنوات، في حين أن المهلة التي يحددها البروتوكول الاختياري قد "
        "انقضت بالفعل.",
    ),
    _t(
        "With separate provincial mechanisms, standards could differ widely from one province "
        "to another.",
        "Avec des mécanismes provinciaux séparés, les normes pourraient varier fortement d'une "
        "province à l'autre.",
        "Con mecanismos provinciales separados, las normas podrían variar mucho de una provincia "
        "a otra.",
        "مع وجود آليات إقليمية منفصلة، قد تختلف المعايير اختلافًا كبيرًا من إقليم إلى آخر.",
    ),
    _t(
        "The members of the Commission are appointed by the President; I doubt it would be "
        "independent enough.",
        "Les membres de la Commission sont nommés par le Président ; je doute qu'elle soit "
        "suffisamment indépendante.",
        "Los miembros de la Comisión los nombra el Presidente; dudo que sea lo bastante "
        "independiente.",
        "يعيّن الرئيس أعضاء اللجنة، ولذلك أشك في أنها ستكون مستقلة بما يكفي.",
    ),
    _t(
        "Whatever the option, without its own budget the mechanism will not be able to visit "
        "remote places.",
        "Quelle que soit l'option, sans budget propre le mécanisme ne pourra pas visiter les "
        "lieux éloignés.",
        "Sea cual sea la opción, sin presupuesto propio el mecanismo no podrá visitar los "
        "lugares más alejados.",
        "أيًّا كان الخيار، لن تتمكن الآلية من زيارة الأماكن النائية إذا لم تكن لها ميزانية خاصة بها.",
    ),
    _t(
        "NGOs that take part in visits must be protected against reprisals and paid for their "
        "work.",
        "Les ONG qui participent aux visites doivent être protégées contre les représailles et "
        "rémunérées pour leur travail.",
        "Las ONG que participen en las visitas deben estar protegidas frente a represalias y "
        "recibir una remuneración por su trabajo.",
        "يجب حماية المنظمات غير الحكومية التي تشارك في الزيارات من الانتقام، ودفع أجر لها "
        "مقابل عملها.",
    ),
)
INVOLVEMENT = (
    _t(
        "Our association could share its reports on police custody and take part in visits.",
        "Notre association pourrait partager ses rapports sur la garde à vue et participer "
        "aux visites.",
        "Nuestra asociación podría compartir sus informes sobre la custodia policial y "
        "participar en las visitas.",
        "يمكن لجمعيتنا أن تتبادل تقاريرها عن حجز الشرطة وأن تشارك في الزيارات.",
    ),
    _t(
        "We can provide doctors trained in the Istanbul Protocol for visits.",
        "Nous pouvons mettre à disposition des médecins formés au Protocole d'Istanbul pour "
        "les visites.",
        "Podemos aportar médicos formados en el Protocolo de Estambul para las visitas.",
        "يمكننا توفير أطباء مدرَّبين على بروتوكول إسطنبول للمشاركة في الزيارات.",
    ),
    _t(
        "As a university, we could help with training and with the analysis of data.",
        "En tant qu'université, nous pourrions contribuer à la formation et à l'analyse des "
        "données.",
        "Como universidad, podríamos ayudar con la formación y el análisis de datos.",
        "بصفتنا جامعة، يمكننا المساعدة في التدريب وفي تحليل البيانات.",
    ),
    _t(
        "We would like to be consulted on the draft law before it goes to parliament.",
        "Nous souhaiterions être consultés sur le projet de loi avant son dépôt au Parlement.",
        "Quisiéramos ser consultados sobre el proyecto de ley antes de que llegue al Parlamento.",
        "نودّ أن نُستشار بشأن مشروع القانون قبل إحالته إلى البرلمان.",
    ),
    _t(
        "Our provincial government is ready to sign an agreement on access to its facilities.",
        "Notre gouvernement provincial est prêt à signer un accord sur l'accès à ses "
        "établissements.",
        "Nuestro gobierno provincial está dispuesto a firmar un acuerdo sobre el acceso a sus "
        "centros.",
        "حكومة إقليمنا مستعدة لتوقيع اتفاق بشأن الوصول إلى مرافقها.",
    ),
)
#: Which ``INVOLVEMENT`` answers fit which group (others choose from all of them).
INVOLVEMENT_BY_GROUP = {
    "civil_society": (0, 3),
    "professional_body": (1,),
    "academia": (2,),
    "government_subnational": (4,),
    "municipal": (4,),
    "family": (0, 3),
}
COMMENTS = (
    _t(
        "Please consult the families of detainees, not only organisations in the capital.",
        "Consultez aussi les familles des personnes détenues, et pas seulement les "
        "organisations de la capitale.",
        "Consulten también a las familias de las personas presas, no solo a las "
        "organizaciones de la capital.",
        "يُرجى استشارة أسر المحتجزين أيضًا، لا المنظمات الموجودة في العاصمة وحدها.",
    ),
    _t(
        "The law must also cover private care homes and immigration detention.",
        "La loi doit aussi couvrir les établissements de soins privés et la rétention des "
        "étrangers.",
        "La ley también debe abarcar las residencias privadas y los centros de internamiento "
        "de migrantes.",
        "يجب أن يشمل القانون أيضًا دور الرعاية الخاصة ومراكز احتجاز المهاجرين.",
    ),
    _t(
        "People in prison should be able to speak to the mechanism in their own language.",
        "Les personnes détenues doivent pouvoir s'adresser au mécanisme dans leur propre langue.",
        "Las personas presas deberían poder hablar con el mecanismo en su propio idioma.",
        "ينبغي أن يتمكن السجناء من التحدث إلى الآلية بلغتهم.",
    ),
    _t(
        "Parliament should decide on the designation after a public debate, not the government "
        "by decree.",
        "C'est au Parlement de décider de la désignation après un débat public, et non au "
        "Gouvernement par décret.",
        "Debe ser el Parlamento quien decida la designación tras un debate público, no el "
        "Gobierno por decreto.",
        "ينبغي أن يقرر البرلمان التعيين بعد نقاش عام، لا أن تقرره الحكومة بمرسوم.",
    ),
    _t(
        "Publish the results of this consultation before the bill is tabled.",
        "Publiez les résultats de cette consultation avant le dépôt du projet de loi.",
        "Publiquen los resultados de esta consulta antes de presentar el proyecto de ley.",
        "يُرجى نشر نتائج هذه الاستشارة قبل تقديم مشروع القانون.",
    ),
    _t(
        "Persons with disabilities must be among the members of the mechanism.",
        "Des personnes handicapées doivent figurer parmi les membres du mécanisme.",
        "Entre los miembros del mecanismo debe haber personas con discapacidad.",
        "يجب أن يكون من بين أعضاء الآلية أشخاص ذوو إعاقة.",
    ),
)
#: Organisations some respondents name (fictional), by group.
ORGANISATIONS = {
    "civil_society": (
        _t("Prison Watch", "Observatoire des prisons", "Observatorio de Prisiones", "مرصد السجون"),
        _t(
            "Families Together Network",
            "Réseau Familles ensemble",
            "Red Familias Unidas",
            "شبكة العائلات معًا",
        ),
        _t(
            "Legal Aid Centre",
            "Centre d'aide juridique",
            "Centro de Asistencia Jurídica",
            "مركز المساعدة القانونية",
        ),
        _t(
            "Disability Rights Alliance",
            "Alliance pour les droits des personnes handicapées",
            "Alianza por los Derechos de las Personas con Discapacidad",
            "تحالف حقوق الأشخاص ذوي الإعاقة",
        ),
    ),
    "nhri": (
        _t(
            "National Human Rights Commission",
            "Commission nationale des droits de l'homme",
            "Comisión Nacional de Derechos Humanos",
            "اللجنة الوطنية لحقوق الإنسان",
        ),
        _t(
            "Federal Ombudsman's Office",
            "Bureau du Médiateur fédéral",
            "Defensoría del Pueblo federal",
            "مكتب أمين المظالم الاتحادي",
        ),
    ),
    "government_national": (
        _t(
            "Ministry of Justice",
            "Ministère de la Justice",
            "Ministerio de Justicia",
            "وزارة العدل",
        ),
        _t(
            "Ministry of the Interior",
            "Ministère de l'Intérieur",
            "Ministerio del Interior",
            "وزارة الداخلية",
        ),
        _t(
            "Federal Prison Service",
            "Administration pénitentiaire fédérale",
            "Servicio Penitenciario Federal",
            "مصلحة السجون الاتحادية",
        ),
    ),
}


@dataclass
class _Respondent:
    """One fictional respondent while their answers are drawn."""

    rng: random.Random
    category: str
    group: Group
    locale: str
    answers: dict[str, list[AnswerRow]] = field(default_factory=dict)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def pick(self, weights: Mapping[str, float]) -> str:
        return _pick(self.rng, weights)

    def order(self, weights: Mapping[str, float], count: int) -> list[str]:
        """``count`` keys drawn one by one, each in proportion to its weight."""
        left = dict(weights)
        drawn = []
        for _ in range(min(count, len(left))):
            key = self.pick(left)
            drawn.append(key)
            del left[key]
        return drawn

    def text(self, pool: Sequence[Texts], indexes: Sequence[int] | None = None) -> str:
        return pool[self.rng.choice(indexes or range(len(pool)))][self.locale]


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    """A key drawn in proportion to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


Answerer = Callable[[_Respondent, Question], list[AnswerRow]]


def _detained(r: _Respondent, q: Question) -> list[AnswerRow]:
    if r.category == "deprived_of_liberty":
        chances = {"yes": 0.99, "": 0.01}
    elif r.category == "former_detainee":
        chances = {"yes": 0.96, "": 0.04}
    elif r.category == "family":
        chances = {"yes": 0.15, "no": 0.75, "": 0.1}
    else:
        chances = {"yes": 0.02, "no": 0.83, "": 0.15}
    choice = r.pick(chances)
    return [AnswerRow(q.key, choice_key=choice)] if choice else []


def _detention_places(r: _Respondent, q: Question) -> list[AnswerRow]:
    weights = {
        "police": 8,
        "remand": 5,
        "prison": 6,
        "immigration": 1.5,
        "psychiatric": 1,
        "other": 0.5,
    }
    chosen = r.order(weights, int(r.pick({"1": 3, "2": 4, "3": 2})))
    return [AnswerRow(q.key, choice_key=c) for c in _in_order(q, chosen)]


def _visited(r: _Respondent, q: Question) -> list[AnswerRow]:
    choice = r.pick({"yes": 0.2, "no": 0.62, "dont_know": 0.13, "": 0.05})
    return [AnswerRow(q.key, choice_key=choice)] if choice else []


def _ranking(r: _Respondent, q: Question) -> list[AnswerRow]:
    count = int(r.pick({"4": 62, "3": 10, "2": 10, "1": 10, "0": 8}))
    weights = {o.key: w for o, w in zip(OPTIONS, r.group.prefers, strict=True)}
    return [
        AnswerRow(q.key, choice_key=key, rank=n)
        for n, key in enumerate(r.order(weights, count), start=1)
    ]


def _federal_roles(r: _Respondent, q: Question) -> list[AnswerRow]:
    if r.chance(0.08):
        return []
    keys = [c.key for c in q.choices]
    return [
        AnswerRow(q.key, choice_key=r.pick(dict(zip(keys, r.group.federal_roles, strict=True))))
    ]


def _independence(r: _Respondent, q: Question) -> list[AnswerRow]:
    first = next((row.choice_key for row in r.answers.get("ranking", []) if row.rank == 1), "")
    mean = r.group.confidence + {"new_specialised": 0.3, "nhri_commission": -0.2}.get(first, 0)
    position = min(5, max(1, round(r.rng.gauss(mean, 0.9))))
    return [AnswerRow(q.key, choice_key=q.choices[position - 1].key, number=position)]


def _concerns(r: _Respondent, q: Question) -> list[AnswerRow]:
    if not r.chance(r.group.writes):
        return []
    return [AnswerRow(q.key, text=r.text(CONCERNS))]


def _guarantees(r: _Respondent, q: Question) -> list[AnswerRow]:
    rows = []
    for guarantee in q.rows:
        if r.chance(min(0.97, ESSENTIAL[guarantee] * r.group.insists)):
            column = "essential"
        else:
            column = r.pick({"important": 0.72, "not_important": 0.18, "dont_know": 0.1})
        rows.append(AnswerRow(q.key, item_key=guarantee, choice_key=column))
    return rows


def _places(r: _Respondent, q: Question) -> list[AnswerRow]:
    if r.chance(0.05):
        return []
    weights = dict(PLACES_CHOSEN)
    if r.category in ("professional_body", "academia"):
        weights.update(psychiatric=8, care_homes=6)
    elif r.category in ("former_detainee", "family"):
        weights.update(police=14, prisons=14)
    count = int(r.pick({"1": 15, "2": 35, "3": 35, "4": 15}))
    return [AnswerRow(q.key, choice_key=c) for c in _in_order(q, r.order(weights, count))]


def _health_experts(r: _Respondent, q: Question) -> list[AnswerRow]:
    choice = r.pick({"yes": 0.85, "no": 0.07, "dont_know": 0.05, "": 0.03})
    return [AnswerRow(q.key, choice_key=choice)] if choice else []


def _first_year(r: _Respondent, q: Question) -> list[AnswerRow]:
    if r.chance(0.25):
        return []
    weights = dict(TASKS)
    if r.category.startswith("government") or r.category == "detention_staff":
        weights.update(training=4, law_review=3)
    count = int(r.pick({"2": 25, "3": 35, "4": 15, "5": 25}))
    return [
        AnswerRow(q.key, choice_key=key, rank=n)
        for n, key in enumerate(r.order(weights, count), start=1)
    ]


def _staff(r: _Respondent, q: Question) -> list[AnswerRow]:
    if r.chance(0.3):
        return []
    estimate = r.group.staff * r.rng.lognormvariate(0, 0.45)
    rounded = round(estimate) if estimate < 20 else 5 * round(estimate / 5)
    return [AnswerRow(q.key, number=float(min(500, max(2, rounded))))]


def _consulted_before(r: _Respondent, q: Question) -> list[AnswerRow]:
    if r.chance(0.05):
        return [AnswerRow(q.key, choice_key="dont_know")]
    return [AnswerRow(q.key, choice_key="yes" if r.chance(r.group.consulted) else "no")]


def _legal_basis(r: _Respondent, q: Question) -> list[AnswerRow]:
    if r.chance(0.06):
        return []
    weights = {"constitution": 25, "statute": 60, "decree": 5, "unsure": 10}
    if r.category == "government_national":
        weights.update(decree=20)
    elif r.category in ("former_detainee", "family", "other", "media"):
        weights.update(unsure=35)
    return [AnswerRow(q.key, choice_key=r.pick(weights))]


def _involvement(r: _Respondent, q: Question) -> list[AnswerRow]:
    if not r.chance(r.group.writes * 0.8):
        return []
    return [AnswerRow(q.key, text=r.text(INVOLVEMENT, INVOLVEMENT_BY_GROUP.get(r.category)))]


def _comments(r: _Respondent, q: Question) -> list[AnswerRow]:
    if not r.chance(r.group.writes * 0.7):
        return []
    return [AnswerRow(q.key, text=r.text(COMMENTS))]


def _in_order(question: Question, keys: Sequence[str]) -> list[str]:
    """Chosen keys in the order the question offers them, as a form sends them."""
    return [c.key for c in question.choices if c.key in keys]


ANSWERERS: dict[str, Answerer] = {
    "detained": _detained,
    "detention_places": _detention_places,
    "visited": _visited,
    "ranking": _ranking,
    "federal_roles": _federal_roles,
    "independence": _independence,
    "concerns": _concerns,
    "guarantees": _guarantees,
    "places": _places,
    "health_experts": _health_experts,
    "first_year": _first_year,
    "staff": _staff,
    "consulted_before": _consulted_before,
    "legal_basis": _legal_basis,
    "involvement": _involvement,
    "comments": _comments,
}


def _profile(r: _Respondent) -> ProfileAnswers:
    where = r.group.where
    provinces = {k: w for k, w in WHERE.items() if k != "federal"}
    if where == "federal":
        jurisdiction = "federal"
    elif where == "provinces":
        jurisdiction = r.pick(provinces)
    elif where == "mostly_federal":
        jurisdiction = "federal" if r.chance(0.6) else r.pick(provinces)
    else:
        jurisdiction = r.pick(WHERE)
    place = ""
    detained = [row.choice_key for row in r.answers.get("detention_places", [])]
    if detained:
        place = DETENTION_TO_PLACE[detained[0]]
    elif r.category == "detention_staff":
        place = r.pick({"prison_sentenced": 6, "police_custody": 3, "psychiatric": 1})
    elif r.category == "family":
        place = r.pick({"prison_sentenced": 3, "pretrial_remand": 2})
    elif r.chance(0.3):
        place = r.pick(PROFILE_PLACES)
    names = ORGANISATIONS.get(r.category)
    organisation = r.text(names) if names and r.chance(0.5) else ""
    return ProfileAnswers(r.category, jurisdiction, place, organisation)


def submissions(
    document: Questionnaire,
    count: int = RESPONSES,
    seed: int = SEED,
    channel: Channel = Channel.OPEN,
    groups: Mapping[str, float] | None = None,
    languages: Mapping[str, float] = LANGUAGES,
) -> Iterator[tuple[str, int, Submission]]:
    """Fictional open-channel answers: ``(locale, days ago, submission)``, the same every time.

    Answers follow the questionnaire's order and conditions, as a respondent's form would.
    """
    rng = random.Random(seed)  # noqa: S311 - invented answers, not secrets
    questions = document.for_channel(channel)
    categories = dict(groups) if groups else {key: g.weight for key, g in GROUPS.items()}
    # More answers in the first week after the launch, and after a reminder in the last week.
    days = {
        str(ago): 3 if ago >= DAYS_OPEN - 7 else 2 if ago < 7 else 1 for ago in range(DAYS_OPEN)
    }
    for _ in range(count):
        category = _pick(rng, categories)
        r = _Respondent(rng, category, GROUPS[category], _pick(rng, languages))
        for question in questions:
            if condition_met(question.condition, r.answers):
                rows = ANSWERERS[question.key](r, question)
                if rows:
                    r.answers[question.key] = rows
        profile = _profile(r)
        if channel is not Channel.OPEN:
            profile.organisation = ""  # nobody names an organisation on the sealed channel
        yield r.locale, int(r.pick(days)), Submission(profile, r.answers)


form_data = to_form  # kept for the demo's callers and tests


def open_and_answer(
    consultation: Consultation,
    owner: User,
    today: date,
    count: int = RESPONSES,
    seed: int = SEED,
    invite: bool = True,
) -> None:
    """Open the consultation, then answer it on the open channel (and ``invite`` organisations
    on the invited channel) by ``today``."""
    consultations.open_(consultation, owner)
    # Opening records the moment it happens; the demo pretends it happened at the scheduled
    # date, so that the answers below can arrive over the month before ``today``.
    consultation.opened_at = consultation.opens_at
    _answer(consultation, today, count, seed)
    if invite:
        _invite(consultation, today)


def _answer(consultation: Consultation, today: date, count: int, seed: int) -> None:
    """Store the fictional answers, each checked as the open channel's form would check it."""
    document = consultation.document()
    questions = respond.questions_for(document, Channel.OPEN)
    rules = respond.profile_rules(consultation, document, Channel.OPEN, "en")
    answers = submissions(document, count, seed)
    for n, (locale, ago, submission) in enumerate(answers, start=1):
        _check(rules, questions, document, submission)
        respond.store(
            consultation,
            Channel.OPEN,
            submission,
            locale=locale,
            submission_key=f"demo-{n:04d}",
            today=today - timedelta(days=ago),
        )


def seal_answers(
    consultation: Consultation,
    count: int = SEALED_RESPONSES,
    assisted: int = ASSISTED_RESPONSES,
    seed: int = SEED,
    held: int = 0,
) -> None:
    """Seal the fictional answers of persons deprived of liberty: most sent on the sealed
    channel, ``assisted`` keyed in from paper forms by a facilitator (the assisted channel).

    The last ``held`` sealed ones arrive past the rate limit, as from a flooded kiosk, and are
    held for review.
    """
    document = consultation.document()
    for channel, number, channel_seed in (
        (Channel.SEALED, count - assisted, seed + 1),
        (Channel.ASSISTED, assisted, seed + 2),
    ):
        questions = respond.questions_for(document, channel)
        rules = respond.profile_rules(consultation, document, channel, "en")
        answers = submissions(document, number, channel_seed, channel, SEALED_GROUPS)
        for n, (locale, _ago, submission) in enumerate(answers, start=1):
            _check(rules, questions, document, submission)
            details = (
                {"age": "adult"}
                if channel is Channel.SEALED
                else {
                    "mode": "paper",
                    "facilitator_role": "facilitator",
                    "setting": submission.profile.place,
                }
            )
            sealed.seal(
                consultation,
                channel,
                submission,
                locale=locale,
                submission_key=f"demo-{channel}-{n:04d}",
                details=details,
                held=channel is Channel.SEALED and n > number - held,
            )


# Invited stakeholders ----------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    """One fictional invited organisation, and what it did with its link."""

    name: str
    category: str
    jurisdiction: str
    language: str
    #: Days ago it sent its answer; ``None`` while it has not.
    answered: int | None = None
    #: It agreed to the publication of its answer in full, under its name.
    consents: bool = False
    #: It saved a draft and has not sent it yet.
    drafted: bool = False
    #: The organisers withdrew the link (sent to the wrong address).
    withdrawn: bool = False


#: Organisations the demo's organisers invited by name: ministries, both levels of government,
#: parliament, the courts, the NHRI, NGOs and international bodies; most answered, some did
#: not yet, one saved a draft and one link was withdrawn.
INVITATIONS = (
    Invited("Human Rights Committee, Federal Parliament", "parliament", "federal", "en", 12, True),
    Invited("Senate Committee on Justice and Security", "parliament", "federal", "en"),
    Invited("Assemblée provinciale du Littoral", "parliament", "coast", "fr"),
    Invited("Consejo de la Judicatura Federal", "judiciary", "federal", "es", 9),
    Invited("Office of the Prosecutor General", "judiciary", "federal", "en", 4, True),
    Invited("Ministry of Justice", "government_national", "federal", "en", 18, True),
    Invited("وزارة الداخلية الاتحادية", "government_national", "federal", "ar", 6),
    Invited("Ministère fédéral de la Santé", "government_national", "federal", "fr", drafted=True),
    Invited("Federal Prison Service", "government_national", "federal", "en"),
    Invited(
        "Gobierno de la Provincia del Delta", "government_subnational", "delta", "es", 15, True
    ),
    Invited("Capital Territory Administration", "government_subnational", "capital", "en", 3),
    Invited("Gouvernement de la Province des Lacs", "government_subnational", "lakes", "fr"),
    Invited(
        "Eastern Plains Provincial Government",
        "government_subnational",
        "plains",
        "en",
        withdrawn=True,
    ),
    Invited("National Human Rights Commission", "nhri", "federal", "en", 21, True),
    Invited("Defensoría del Pueblo federal", "nhri", "federal", "es", 8),
    Invited("Prison Watch", "civil_society", "capital", "en", 25, True),
    Invited("شبكة العائلات معًا", "civil_society", "north", "ar", 11, True),
    Invited("Disability Rights Alliance", "civil_society", "coast", "en"),
    Invited("Centre d'aide juridique du Sud", "civil_society", "south", "fr", 2, True),
    Invited("International Coalition against Torture", "international", "federal", "en", 7, True),
    Invited("Regional Human Rights Office", "international", "federal", "fr"),
)


def _invite(consultation: Consultation, today: date) -> None:
    """Record the invitations; answer, draft or withdraw them as :data:`INVITATIONS` says.

    Links are made as the organisers' page makes them: only the token's hash is kept, so the
    demo's links open nothing (an organiser can send new ones).
    """
    document = consultation.document()
    questions = respond.questions_for(document, Channel.INVITED)
    sent = (consultation.opened_at or utcnow()) + timedelta(days=1)
    for n, spec in enumerate(INVITATIONS, start=1):
        invitation = Invitation(
            consultation_id=consultation.id,
            organisation_name=spec.name,
            stakeholder_category=spec.category,
            jurisdiction=spec.jurisdiction,
            contact=f"consultation-{n:02d}@invited.demo.example",
            language=spec.language,
            token_hash=new_token()[1],
            sent_at=sent,
        )
        db.session.add(invitation)
        db.session.flush()
        submission = _invited_submission(document, spec, SEED + 100 + n)
        if spec.answered is not None:
            rules = respond.profile_rules(consultation, document, Channel.INVITED, spec.language)
            _check(rules, questions, document, submission)
            day = today - timedelta(days=spec.answered)
            response = respond.store(
                consultation,
                Channel.INVITED,
                submission,
                locale=spec.language,
                submission_key=f"demo-invited-{n:02d}",
                today=day,
            )
            response.invitation_id, response.publication_consent = invitation.id, spec.consents
            invitation.answered_at = datetime.combine(day, time(10), UTC)
        elif spec.withdrawn:
            invitation.revoked_at = datetime.combine(today - timedelta(days=10), time(9), UTC)
        elif spec.drafted:
            invitation.draft = InvitationDraft(
                fields=_draft_fields(submission, document),
                saved_at=datetime.combine(today - timedelta(days=2), time(16), UTC),
            )
        else:
            invitation.reminded_at = datetime.combine(today - timedelta(days=7), time(9), UTC)


def _invited_submission(document: Questionnaire, spec: Invited, seed: int) -> Submission:
    """Answers of the invitation's group, in its language, named and placed as invited."""
    _locale, _ago, submission = next(
        submissions(document, 1, seed, Channel.INVITED, {spec.category: 1}, {spec.language: 1})
    )
    submission.profile.jurisdiction = spec.jurisdiction
    submission.profile.organisation = spec.name
    return submission


def _draft_fields(submission: Submission, document: Questionnaire) -> list[list[str]]:
    """The first half of the questions' fields, as the form sends them: a draft half done."""
    fields = [
        [name, value]
        for name, value in form_data(submission, document).items(multi=True)
        if not name.startswith("p-")
    ]
    return fields[: len(fields) // 2]


def _check(
    rules: ProfileRules, questions: list[Question], document: Questionnaire, submission: Submission
) -> None:
    read = read_submission(rules, questions, document, form_data(submission, document))
    if (
        read.errors
        or read.profile != submission.profile
        or sorted(read.rows) != sorted(submission.rows)
    ):
        raise RuntimeError(f"the demo generated answers the form would not accept: {read.errors}")

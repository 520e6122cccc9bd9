"""The demo's second consultation: closed, unsealed, and its report published.

It asks the questions of the open demo consultation (:mod:`consult.demo`) in a first round that
ended some weeks ago, so that a new user can read a finished report next to a consultation
still taking answers. Everything goes through the services an organisation would use: the
owner opens and closes it, two trustees open the sealed answers with their in-app shares, the
analyst proposes quotations that the publisher approves, the analyst prepares the report and
the publisher publishes it. Answers come from the same generators, with other seeds. The
publisher then records what the State designated (:mod:`consult.demo_designation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from consult import demo, demo_designation
from consult.accounts.models import Organisation, User
from consult.accounts.permissions import Role
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.demo import _t
from consult.quotations import services as quotations
from consult.reports import services as reports
from consult.sealed import unsealing

SLUG = "demo-npm-first-round"
#: The first round closed this many days ago, after :data:`consult.demo.DAYS_OPEN` days.
CLOSED_DAYS_AGO = 45
#: Open-channel answers; sealed envelopes, of which keyed in from paper and held for review.
RESPONSES = 240
SEALED_RESPONSES = 110
ASSISTED_RESPONSES = 30
HELD = 6
SEED = demo.SEED + 1000
#: Approved quotations of persons deprived of liberty.
QUOTATIONS = 4
#: What the analyst tells the publisher about each passage (organisers read English here).
QUOTATION_NOTE = "Nothing in it identifies anyone: quoted in full."

TITLE = _t(
    "Demo: first round of the consultation on the national preventive mechanism (fictional)",
    "Démo : premier tour de la consultation sur le mécanisme national de prévention (fictif)",
    "Demostración: primera ronda de la consulta sobre el mecanismo nacional de prevención "
    "(ficticia)",
    "عرض تجريبي: الجولة الأولى من الاستشارة بشأن الآلية الوقائية الوطنية (افتراضي)",
)
SUMMARY = _t(
    "This demonstration consultation is fictional. It shows a consultation that has ended and "
    "whose report has been published.\n"
    "During a first round of thirty days, the Fictional State asked the questions of the open "
    "demo consultation: which of four options should become its national preventive mechanism, "
    "and which guarantees the law must contain. Persons deprived of liberty answered on the "
    "sealed channel and on paper forms collected during visits; two of the three trustees then "
    "opened their answers together. The report shows the results by stakeholder group, province "
    "and channel.",
    "Cette consultation de démonstration est fictive. Elle montre une consultation terminée dont "
    "le rapport a été publié.\n"
    "Lors d'un premier tour de trente jours, l'État fictif a posé les questions de la "
    "consultation de démonstration ouverte : laquelle des quatre options doit devenir son "
    "mécanisme national de prévention, et quelles garanties la loi doit contenir. Les personnes "
    "privées de liberté ont répondu par le canal scellé et sur des formulaires papier recueillis "
    "lors des visites ; deux des trois dépositaires de clé ont ensuite ouvert ensemble leurs "
    "réponses. Le rapport présente les résultats par groupe de parties prenantes, par province "
    "et par canal.",
    "Esta consulta de demostración es ficticia. Muestra una consulta ya terminada cuyo informe "
    "se ha publicado.\n"
    "Durante una primera ronda de treinta días, el Estado ficticio planteó las preguntas de la "
    "consulta de demostración abierta: cuál de las cuatro opciones debe convertirse en su "
    "mecanismo nacional de prevención y qué garantías debe contener la ley. Las personas "
    "privadas de libertad respondieron por el canal sellado y en formularios en papel recogidos "
    "durante las visitas; después, dos de los tres custodios de clave abrieron juntos sus "
    "respuestas. El informe presenta los resultados por grupo de partes interesadas, provincia "
    "y canal.",
    "هذه استشارة تجريبية افتراضية. وهي تعرض استشارة انتهت ونُشر تقريرها.\n"
    "في جولة أولى استمرت ثلاثين يومًا، طرحت الدولة الافتراضية أسئلة الاستشارة التجريبية "
    "المفتوحة: أي الخيارات الأربعة ينبغي أن يصبح آليتها الوقائية الوطنية، وما الضمانات التي "
    "يجب أن ينص عليها القانون. وأجاب الأشخاص المحرومون من حريتهم عبر القناة المختومة وعلى "
    "استمارات ورقية جُمعت خلال الزيارات، ثم فتح اثنان من أمناء المفتاح الثلاثة إجاباتهم معًا. "
    "ويعرض التقرير النتائج حسب فئة الجهات المعنية والإقليم وقناة المشاركة.",
)
USE_OF_INPUT = _t(
    "Demonstration only: the State, the options and the answers are fictional.\n"
    "The results of this first round are published in a report, broken down by stakeholder "
    "group, province and channel. Counts too small to protect respondents are hidden. Written "
    "answers of persons deprived of liberty are quoted only after an analyst has removed "
    "anything that could identify their authors and a second person has approved the passage. "
    "The organisers presented these results to the Government and to Parliament before the "
    "designation.",
    "Démonstration uniquement : l'État, les options et les réponses sont fictifs.\n"
    "Les résultats de ce premier tour sont publiés dans un rapport, ventilés par groupe de "
    "parties prenantes, par province et par canal. Les effectifs trop petits pour protéger les "
    "participants sont masqués. Les réponses rédigées par des personnes privées de liberté ne "
    "sont citées qu'après qu'un analyste a supprimé tout élément permettant d'en identifier "
    "l'auteur et qu'une deuxième personne a approuvé le passage. Les organisateurs ont présenté "
    "ces résultats au Gouvernement et au Parlement avant la désignation.",
    "Solo a modo de demostración: el Estado, las opciones y las respuestas son ficticios.\n"
    "Los resultados de esta primera ronda se publican en un informe, desglosados por grupo de "
    "partes interesadas, provincia y canal. Se ocultan las cifras demasiado pequeñas para "
    "proteger a quienes respondieron. Las respuestas escritas de personas privadas de libertad "
    "solo se citan después de que un analista haya eliminado todo dato que permita identificar "
    "a quien las escribió y otra persona haya aprobado el pasaje. Los organizadores presentaron "
    "estos resultados al Gobierno y al Parlamento antes de la designación.",
    "لأغراض العرض فقط: الدولة والخيارات والإجابات كلها افتراضية.\n"
    "تُنشر نتائج هذه الجولة الأولى في تقرير، مصنّفةً حسب فئة الجهات المعنية والإقليم وقناة "
    "المشاركة. وتُحجب الأعداد الصغيرة جدًا حمايةً للمشاركين. ولا يُقتبس من الإجابات المكتوبة "
    "للأشخاص المحرومين من حريتهم إلا بعد أن يحذف محلل كل ما قد يكشف هوية أصحابها ويوافق شخص "
    "ثانٍ على المقطع. وقد عرض المنظمون هذه النتائج على الحكومة والبرلمان قبل التعيين.",
)
#: The organisers' account of the results. ``tests/test_demo.py`` checks each claim against
#: the published numbers, so that a change to the generators cannot leave it untrue.
NARRATIVE = _t(
    "This fictional report counts 344 responses: 240 on the open channel, and 104 from persons "
    "deprived of liberty, former detainees and their families, sent on the sealed channel or "
    "collected on paper during visits. Six sealed answers that arrived in a burst from one "
    "kiosk were held for review and are not counted.\n"
    "No option won a majority. A new specialised body was the most frequent first choice, "
    "closely followed by the Federal Ombudsman with civil society, which scores slightly higher "
    "once every rank is counted. Persons deprived of liberty clearly preferred a new specialised "
    "body. Provincial governments preferred national and provincial mechanisms.\n"
    "Almost every respondent rated two guarantees as essential: access to all places, and "
    "protection from any sanction. A balance of genders and minorities among the members was "
    "rated essential by only half of them.",
    "Ce rapport fictif compte 344 réponses : 240 par le canal ouvert, et 104 de personnes "
    "privées de liberté, d'anciens détenus et de leurs familles, envoyées par le canal scellé ou "
    "recueillies sur papier lors des visites. Six réponses scellées arrivées en rafale depuis "
    "une même borne ont été mises en attente d'examen et ne sont pas comptées.\n"
    "Aucune option n'obtient la majorité. Un nouvel organe spécialisé est le plus souvent placé "
    "en premier, suivi de près par le Médiateur fédéral associé à la société civile, qui "
    "l'emporte de peu lorsque l'on compte tous les rangs. Les personnes privées de liberté "
    "préfèrent nettement un nouvel organe spécialisé. Les gouvernements provinciaux privilégient "
    "un mécanisme national assorti de mécanismes provinciaux.\n"
    "Presque tous les participants jugent essentielles deux garanties : l'accès à tous les lieux "
    "et la protection contre toute sanction. L'équilibre entre les sexes et la représentation "
    "des minorités parmi les membres n'est jugé essentiel que par la moitié d'entre eux.",
    "Este informe ficticio cuenta 344 respuestas: 240 por el canal abierto y 104 de personas "
    "privadas de libertad, personas que estuvieron detenidas y sus familias, enviadas por el "
    "canal sellado o recogidas en papel durante las visitas. Seis respuestas selladas que "
    "llegaron en ráfaga desde un mismo terminal compartido quedaron retenidas para revisión y no "
    "se cuentan.\n"
    "Ninguna opción obtuvo la mayoría. Un nuevo órgano especializado fue la primera opción más "
    "frecuente, seguido de cerca por la Defensoría del Pueblo federal con la sociedad civil, que "
    "queda ligeramente por delante cuando se cuentan todas las posiciones. Las personas privadas "
    "de libertad prefirieron claramente un nuevo órgano especializado. Los gobiernos "
    "provinciales se inclinaron por un mecanismo nacional con mecanismos provinciales.\n"
    "Casi todas las personas que respondieron consideran esenciales dos garantías: el acceso a "
    "todos los lugares y la protección frente a cualquier sanción. El equilibrio de género y la "
    "presencia de minorías entre los miembros solo fueron considerados esenciales por la mitad.",
    "يُحصي هذا التقرير الافتراضي 344 إجابة: 240 عبر القناة المفتوحة، و104 من أشخاص محرومين "
    "من حريتهم ومحتجزين سابقين وأسرهم، أُرسلت عبر القناة المختومة أو جُمعت على الورق خلال "
    "الزيارات. ووُضعت ست إجابات مختومة وصلت دفعةً واحدة من جهاز مشترك واحد قيد المراجعة، ولم "
    "تُحتسب.\n"
    "لم يحصل أي خيار على الأغلبية. فقد كانت الهيئة المتخصصة الجديدة الخيار الأول الأكثر "
    "تكرارًا، يليها عن قرب خيار أمين المظالم الاتحادي بالشراكة مع المجتمع المدني، الذي يتقدّم "
    "بفارق طفيف عند احتساب جميع المراتب. وفضّل الأشخاص المحرومون من حريتهم بوضوح هيئة متخصصة "
    "جديدة، في حين مالت حكومات الأقاليم إلى آلية وطنية وآليات إقليمية.\n"
    "اعتبر جميع المشاركين تقريبًا ضمانتين أساسيتين: الوصول إلى جميع الأماكن والحماية من أي "
    "عقوبة. أما التوازن بين الجنسين وتمثيل الأقليات بين الأعضاء فلم يعتبره أساسيًا سوى نصفهم.",
)
LIMITATIONS = _t(
    "The answers come from people who chose to take part: they are not a sample of the "
    "population, and their shares cannot be read as those of the whole country.\n"
    "Persons deprived of liberty could answer only in the places the facilitators visited and "
    "where a kiosk was installed: police stations and prisons for sentenced persons are well "
    "represented; psychiatric hospitals, immigration detention and care homes much less. No "
    "child answered: this round asked adults only.\n"
    "Counts under five are hidden in every table, together with the next smallest count where "
    "needed, so that no hidden number can be worked out from the totals. Small groups and "
    "provinces therefore appear only in the totals. Organisations were not invited by name in "
    "this round.",
    "Les réponses proviennent de personnes qui ont choisi de participer : elles ne constituent "
    "pas un échantillon de la population, et leurs proportions ne peuvent pas être lues comme "
    "celles du pays tout entier.\n"
    "Les personnes privées de liberté n'ont pu répondre que dans les lieux visités par les "
    "facilitateurs et là où une borne était installée : les commissariats et les prisons pour "
    "personnes condamnées sont bien représentés ; les hôpitaux psychiatriques, la rétention des "
    "étrangers et les établissements de soins beaucoup moins. Aucun enfant n'a répondu : ce tour "
    "ne s'adressait qu'aux adultes.\n"
    "Dans chaque tableau, les effectifs inférieurs à cinq sont masqués, ainsi que, si nécessaire, "
    "l'effectif le plus petit suivant, pour qu'aucun nombre masqué ne puisse être déduit des "
    "totaux. Les petits groupes et les petites provinces n'apparaissent donc que dans les "
    "totaux. Les organisations n'ont pas été invitées nommément lors de ce tour.",
    "Las respuestas proceden de personas que decidieron participar: no son una muestra de la "
    "población, y sus proporciones no pueden leerse como las del país entero.\n"
    "Las personas privadas de libertad solo pudieron responder en los lugares que visitaron los "
    "facilitadores y donde se instaló un terminal compartido: las comisarías y las cárceles de "
    "personas condenadas están bien representadas; los hospitales psiquiátricos, los centros de "
    "internamiento de migrantes y las residencias, mucho menos. Ningún niño ni niña respondió: "
    "esta ronda se dirigía solo a personas adultas.\n"
    "En cada tabla se ocultan las cifras inferiores a cinco y, cuando hace falta, la siguiente "
    "cifra más pequeña, para que ninguna cifra oculta pueda deducirse de los totales. Por eso "
    "los grupos y las provincias pequeños solo aparecen en los totales. En esta ronda no se "
    "invitó a organizaciones de forma nominal.",
    "تأتي الإجابات من أشخاص اختاروا المشاركة: فهي ليست عينة من السكان، ولا يمكن قراءة نسبها "
    "على أنها نسب البلد بأكمله.\n"
    "لم يتمكن الأشخاص المحرومون من حريتهم من الإجابة إلا في الأماكن التي زارها الميسِّرون وحيث "
    "رُكّب جهاز مشترك: فمراكز الشرطة وسجون المحكوم عليهم ممثلة تمثيلًا جيدًا، أما مستشفيات "
    "الأمراض النفسية ومراكز احتجاز المهاجرين ودور الرعاية فأقل بكثير. ولم يُجب أي طفل، إذ "
    "كانت هذه الجولة موجهة إلى البالغين وحدهم.\n"
    "في كل جدول، تُحجب الأعداد التي تقل عن خمسة، ومعها عند الحاجة أصغر عدد يليها، حتى لا يمكن "
    "استنتاج أي عدد محجوب من المجاميع. ولذلك لا تظهر الفئات والأقاليم الصغيرة إلا في "
    "المجاميع. ولم تُوجَّه في هذه الجولة دعوات بالاسم إلى المنظمات.",
)


def load(organisation: Organisation, users: Sequence[User], today: date) -> Consultation:
    """Create, answer, close, unseal, quote, prepare and publish the first round (flushed)."""
    zone = ZoneInfo(demo.TIMEZONE)
    closed_on = today - timedelta(days=CLOSED_DAYS_AGO)
    owner, trustees = users[0], demo.trustees(users)
    consultation = demo.create(
        organisation,
        users,
        SLUG,
        (TITLE, SUMMARY, USE_OF_INPUT),
        datetime.combine(closed_on - timedelta(days=demo.DAYS_OPEN - 1), time(9), zone),
        None,
    )
    shares = demo.ceremony(consultation, owner, trustees)
    # No invitations: a few named organisations per group would hide most of the open
    # channel's counts by secondary suppression in the participation tables.
    demo.open_and_answer(consultation, owner, closed_on, RESPONSES, SEED, invite=False)
    demo.seal_answers(consultation, SEALED_RESPONSES, ASSISTED_RESPONSES, SEED, HELD)
    _close(consultation, owner, datetime.combine(closed_on, time(23, 59), zone))
    unsealing.unseal(consultation, [share for _email, share in shares[:2]], trustees[0])
    analyst, publisher = demo.member(users, Role.ANALYST), demo.member(users, Role.PUBLISHER)
    _quote(consultation, analyst, publisher)
    report = reports.prepare(
        consultation, analyst, reports.k_floor(), dict(NARRATIVE), dict(LIMITATIONS)
    )
    reports.publish(report, publisher)
    demo_designation.load(consultation, publisher, today, closed_on)
    return consultation


def _close(consultation: Consultation, owner: User, at: datetime) -> None:
    """Close now, and pretend it happened at ``at``, the end of the first round."""
    consultations.close(consultation, owner)
    consultation.closes_at = consultation.closed_at = at.astimezone(UTC)


def _quote(consultation: Consultation, analyst: User, publisher: User) -> None:
    """The analyst proposes a few passages of sealed answers; the publisher approves them."""
    for original in _passages(consultation)[:QUOTATIONS]:
        quotation = quotations.propose(
            consultation, analyst, original, original.text, QUOTATION_NOTE
        )
        quotations.approve(consultation, quotation.id, publisher)


def _passages(consultation: Consultation) -> list[quotations.Original]:
    """One answer for each distinct text, in a fixed order, alternating the languages."""
    found: dict[str, quotations.Original] = {}
    for question in quotations.text_questions(consultation):
        for original in quotations.originals(consultation, question.key):
            found.setdefault(original.text, original)
    ordered = sorted(found.values(), key=lambda o: (o.question_key, o.text))
    by_language: dict[str, list[quotations.Original]] = {}
    for original in ordered:
        by_language.setdefault(original.locale, []).append(original)
    rounds = zip(*(by_language[code] for code in demo.LOCALES if code in by_language), strict=False)
    return [original for passages in rounds for original in passages]

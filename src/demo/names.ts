// Name and address material for the invented demo region. Given names and surnames are common
// ones, combined at random: no combination is meant to describe a real person.
import type { LetterLanguage } from '../policy/vocabulary.ts';

export type NameGroup = 'dutch' | 'polish' | 'turkish' | 'arabic' | 'bulgarian';

export interface Surname {
  /** Tussenvoegsel ("van", "de", "van der"), stored apart so that sorting uses the surname. */
  prefix: string | null;
  name: string;
}

export interface NameList {
  /** The letter language a family of this group most often reads. */
  language: LetterLanguage;
  male: readonly string[];
  female: readonly string[];
  surnames: readonly Surname[];
  /** Gendered surnames (Polish -ski/-ska, Bulgarian -ov/-ova) take a feminine form. */
  feminine?: (surname: string) => string;
}

const plain = (...names: string[]): Surname[] => names.map((name) => ({ prefix: null, name }));

export const NAME_LISTS: Readonly<Record<NameGroup, NameList>> = {
  dutch: {
    language: 'nl',
    male: ['Daan', 'Sem', 'Lucas', 'Noah', 'Levi', 'Finn', 'Jesse', 'Thijs', 'Bram', 'Ruben', 'Milan', 'Luuk', 'Stijn'],
    female: ['Emma', 'Julia', 'Sophie', 'Tess', 'Mila', 'Anna', 'Zoë', 'Sara', 'Lotte', 'Fleur', 'Eva', 'Isa', 'Noor'],
    surnames: [
      { prefix: 'de', name: 'Vries' },
      { prefix: 'van', name: 'Dijk' },
      { prefix: 'de', name: 'Boer' },
      { prefix: 'de', name: 'Groot' },
      { prefix: 'van', name: 'Leeuwen' },
      { prefix: 'de', name: 'Wit' },
      { prefix: 'de', name: 'Graaf' },
      { prefix: 'van der', name: 'Meer' },
      { prefix: 'van den', name: 'Berg' },
      { prefix: 'van der', name: 'Linden' },
      { prefix: 'van', name: 'Beek' },
      ...plain('Jansen', 'Bakker', 'Visser', 'Smit', 'Meijer', 'Mulder', 'Bos', 'Vos', 'Peters', 'Hendriks'),
      ...plain('Dekker', 'Brouwer', 'Dijkstra', 'Kok'),
    ],
  },
  polish: {
    language: 'pl',
    male: ['Jakub', 'Kacper', 'Szymon', 'Filip', 'Jan', 'Antoni', 'Wojciech', 'Mateusz', 'Michał', 'Bartosz', 'Kamil', 'Piotr', 'Tomasz'],
    female: ['Zuzanna', 'Maja', 'Zofia', 'Hanna', 'Lena', 'Alicja', 'Maria', 'Amelia', 'Oliwia', 'Wiktoria', 'Natalia', 'Aleksandra', 'Julia'],
    surnames: plain(
      'Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński',
      'Szymański', 'Woźniak', 'Dąbrowski', 'Kozłowski', 'Jankowski', 'Mazur', 'Kwiatkowski', 'Krawczyk',
      'Piotrowski', 'Grabowski', 'Nowakowski', 'Pawłowski', 'Michalski', 'Nowicki', 'Adamczyk', 'Dudek', 'Zając',
    ),
    feminine: (surname) => surname.replace(/(ski|cki|dzki)$/, (ending) => `${ending.slice(0, -1)}a`),
  },
  turkish: {
    language: 'tr',
    male: ['Yusuf', 'Emir', 'Eymen', 'Ömer', 'Mustafa', 'Ahmet', 'Mehmet', 'Burak', 'Emre', 'Kerem', 'Arda', 'Efe', 'Hakan'],
    female: ['Zeynep', 'Elif', 'Ecrin', 'Defne', 'Azra', 'Eylül', 'Nehir', 'Ayşe', 'Meryem', 'Esra', 'Büşra', 'Selin', 'Hatice'],
    surnames: plain(
      'Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Yıldız', 'Yıldırım', 'Öztürk', 'Aydın', 'Özdemir',
      'Arslan', 'Doğan', 'Kılıç', 'Aslan', 'Çetin', 'Kara', 'Koç', 'Kurt', 'Özkan', 'Şimşek', 'Polat',
      'Korkmaz', 'Aktaş', 'Güneş', 'Tekin',
    ),
  },
  arabic: {
    language: 'ar',
    male: ['Youssef', 'Mohamed', 'Adam', 'Ayoub', 'Bilal', 'Hamza', 'Ilias', 'Rayan', 'Amine', 'Zakaria', 'Anouar', 'Mehdi', 'Omar'],
    female: ['Salma', 'Nour', 'Yasmina', 'Imane', 'Sara', 'Hiba', 'Malak', 'Aya', 'Fatima', 'Khadija', 'Ikram', 'Loubna', 'Samira'],
    surnames: plain(
      'El Amrani', 'El Idrissi', 'Benali', 'Bouzid', 'El Haddouchi', 'Ouali', 'Bakkali', 'El Khattabi',
      'Azzouzi', 'Boukhari', 'Chaouki', 'El Ouardi', 'Hamdaoui', 'Lahlou', 'Mansouri', 'Naciri', 'Tahiri',
      'Zerouali', 'El Moussaoui', 'Rachidi', 'Essafi', 'Belhaj', 'Ziani', 'Haddad', 'Amziane',
    ),
  },
  bulgarian: {
    language: 'bg',
    male: ['Georgi', 'Ivan', 'Dimitar', 'Nikolay', 'Aleksandar', 'Martin', 'Stefan', 'Kaloyan', 'Viktor', 'Hristo', 'Boris', 'Petar', 'Yordan'],
    female: ['Maria', 'Elena', 'Ivana', 'Viktoria', 'Nikol', 'Gergana', 'Desislava', 'Kristina', 'Teodora', 'Yoana', 'Radostina', 'Mila', 'Simona'],
    surnames: plain(
      'Ivanov', 'Georgiev', 'Dimitrov', 'Petrov', 'Nikolov', 'Hristov', 'Stoyanov', 'Todorov', 'Iliev',
      'Vasilev', 'Atanasov', 'Petkov', 'Angelov', 'Kolev', 'Yordanov', 'Marinov', 'Popov', 'Stefanov',
      'Mihaylov', 'Dobrev', 'Kostov', 'Simeonov', 'Radev', 'Ganchev', 'Zhelev',
    ),
    feminine: (surname) => surname.replace(/(ov|ev)$/, (ending) => `${ending}a`),
  },
};

/** The share of each group among the demo pupils (Den Haag-like, not census figures). */
export const NAME_GROUP_WEIGHTS: readonly (readonly [NameGroup, number])[] = [
  ['dutch', 55],
  ['arabic', 13],
  ['turkish', 12],
  ['polish', 12],
  ['bulgarian', 8],
];

export interface StreetList {
  city: string;
  streets: readonly string[];
  /** Inclusive range of the four-digit part of the postal codes of the municipality. */
  postalCodes: readonly [number, number];
}

export const STREETS: Readonly<Record<'GM0518' | 'GM0603', StreetList>> = {
  GM0518: {
    city: 'Den Haag',
    postalCodes: [2491, 2599],
    streets: [
      'Hoefkade', 'Vaillantlaan', 'Paul Krugerlaan', 'Leyweg', 'Weimarstraat', 'Fahrenheitstraat',
      'Laan van Meerdervoort', 'Loosduinseweg', 'Beeklaan', 'Hobbemastraat', 'Stationsweg', 'Zuiderparklaan',
      'Escamplaan', 'Moerweg', 'Erasmusweg', 'Goudenregenstraat', 'Prinsegracht', 'Jan Hendrikstraat',
      'Fruitweg', 'Soestdijksekade', 'Dedemsvaartweg', 'Melis Stokelaan', 'Hengelolaan', 'Withuysstraat',
      'Kempstraat', 'Elandstraat', 'Regentesselaan', 'Laakkade', 'Oude Haagweg', 'Lozerlaan',
    ],
  },
  GM0603: {
    city: 'Rijswijk',
    postalCodes: [2280, 2289],
    streets: [
      'Herenstraat', 'Sir Winston Churchilllaan', 'Generaal Spoorlaan', 'Laan van Hoornwijck', 'Steenvoordelaan',
      'Haagweg', 'Prinses Beatrixlaan', 'Van Vredenburchweg', 'Geestbrugweg', 'Burgemeester Elsenweg',
      'Lindelaan', 'Huis te Landelaan', 'Kerklaan', 'Van Moorselplantsoen', 'Cromvlietkade',
    ],
  },
};

// Letter pairs of Dutch postal codes; SA, SD and SS are never issued.
const POSTAL_LETTERS = 'ABCDEGHJKLMNPRSTVWXZ';
export function postalCode(digits: number, first: number, second: number): string {
  const a = POSTAL_LETTERS[first % POSTAL_LETTERS.length] as string;
  let b = POSTAL_LETTERS[second % POSTAL_LETTERS.length] as string;
  if (a === 'S' && (b === 'A' || b === 'D' || b === 'S')) b = 'T';
  return `${digits} ${a}${b}`;
}

/** Words for invented school names in the region-scale data set. */
export const SCHOOL_NAME_WORDS: readonly string[] = [
  'De Esdoorn', 'De Linde', 'Het Kompas', 'De Wilgen', 'De Vlieger', 'Het Palet', 'De Springplank',
  'De Zeester', 'Het Duinkonijn', 'De Meerkoet', 'De Horizon', 'De Kameleon', 'Het Anker', 'De Zonnewijzer',
  'De Watertoren', 'Het Schelpenpad', 'De Boomgaard', 'De Windroos', 'De Duinpieper', 'De Vuurtoren',
  'Het Haventje', 'De Klaproos', 'De Eikenhof', 'De Tuinfluiter', 'Het Startblok',
];

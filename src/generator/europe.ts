/**
 * Who buys from a French online clothing shop: customers across Europe, most in France.
 * Names, cities and e-mail providers are per country, so a customer's name, city and country
 * are coherent. City weights follow population roughly, so Paris outweighs Angers.
 */
export interface Country {
  name: string;
  weight: number;
  firstNames: readonly string[];
  lastNames: readonly string[];
  cities: readonly (readonly [string, number])[];
  mailDomains: readonly string[];
}

export const COUNTRIES: readonly Country[] = [
  {
    name: 'France',
    weight: 46,
    firstNames: ['Camille', 'Léa', 'Manon', 'Chloé', 'Inès', 'Emma', 'Jade', 'Louise', 'Sarah', 'Julie', 'Clara', 'Lucie', 'Anaïs', 'Mathilde', 'Pauline', 'Lucas', 'Hugo', 'Louis', 'Gabriel', 'Arthur', 'Thomas', 'Nathan', 'Théo', 'Maxime', 'Antoine', 'Julien', 'Nicolas', 'Romain', 'Quentin', 'Mehdi'],
    lastNames: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent', 'Fournier', 'Morel', 'Girard', 'André', 'Mercier', 'Dupont', 'Lambert', 'Bonnet', 'François', 'Martinez', 'Legrand'],
    cities: [['Paris', 21], ['Marseille', 9], ['Lyon', 8], ['Toulouse', 5], ['Nice', 3.5], ['Nantes', 3.2], ['Montpellier', 3], ['Strasbourg', 2.9], ['Bordeaux', 2.6], ['Lille', 2.4], ['Rennes', 2.2], ['Reims', 1.8], ['Toulon', 1.7], ['Saint-Étienne', 1.7], ['Le Havre', 1.6], ['Grenoble', 1.6], ['Dijon', 1.6], ['Angers', 1.5], ['Nîmes', 1.5], ['Aix-en-Provence', 1.4], ['Clermont-Ferrand', 1.4], ['Brest', 1.4], ['Tours', 1.4], ['Limoges', 1.3], ['Amiens', 1.3]],
    mailDomains: ['gmail.com', 'orange.fr', 'free.fr', 'hotmail.fr', 'yahoo.fr', 'laposte.net', 'sfr.fr', 'outlook.fr'],
  },
  {
    name: 'Belgium',
    weight: 9,
    firstNames: ['Emma', 'Louise', 'Olivia', 'Elise', 'Lina', 'Marie', 'Noor', 'Julie', 'Lotte', 'Amélie', 'Noah', 'Arthur', 'Louis', 'Liam', 'Jules', 'Lucas', 'Adam', 'Victor', 'Thomas', 'Wout'],
    lastNames: ['Peeters', 'Janssens', 'Maes', 'Jacobs', 'Mertens', 'Willems', 'Claes', 'Goossens', 'Wouters', 'De Smet', 'Dubois', 'Lambert', 'Dupont', 'Martin', 'Leclercq', 'Vermeulen', 'Hermans', 'Michiels', 'Lemaire', 'Renard'],
    cities: [['Brussels', 12], ['Antwerp', 5.3], ['Ghent', 2.6], ['Charleroi', 2], ['Liège', 2], ['Bruges', 1.2], ['Namur', 1.1], ['Leuven', 1], ['Mons', 1], ['Mechelen', 0.9]],
    mailDomains: ['gmail.com', 'skynet.be', 'telenet.be', 'hotmail.com', 'proximus.be'],
  },
  {
    name: 'Germany',
    weight: 11,
    firstNames: ['Anna', 'Lena', 'Lea', 'Hannah', 'Laura', 'Julia', 'Lisa', 'Sophie', 'Marie', 'Katharina', 'Lukas', 'Leon', 'Jonas', 'Felix', 'Paul', 'Maximilian', 'Finn', 'Tim', 'Jan', 'Niklas'],
    lastNames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann'],
    cities: [['Berlin', 37], ['Hamburg', 18], ['Munich', 15], ['Cologne', 11], ['Frankfurt am Main', 7.5], ['Stuttgart', 6.3], ['Düsseldorf', 6.2], ['Leipzig', 6], ['Dortmund', 5.9], ['Essen', 5.8], ['Bremen', 5.7], ['Dresden', 5.6], ['Hanover', 5.4], ['Nuremberg', 5.2]],
    mailDomains: ['gmail.com', 'web.de', 'gmx.de', 't-online.de', 'outlook.de', 'yahoo.de'],
  },
  {
    name: 'Spain',
    weight: 8,
    firstNames: ['Lucía', 'María', 'Paula', 'Sofía', 'Martina', 'Carmen', 'Laura', 'Julia', 'Elena', 'Alba', 'Hugo', 'Pablo', 'Daniel', 'Alejandro', 'Javier', 'Diego', 'Sergio', 'Adrián', 'Carlos', 'Jorge'],
    lastNames: ['García', 'Rodríguez', 'González', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Martín', 'Jiménez', 'Ruiz', 'Hernández', 'Díaz', 'Moreno', 'Muñoz', 'Álvarez', 'Romero', 'Alonso', 'Navarro'],
    cities: [['Madrid', 33], ['Barcelona', 16], ['Valencia', 8], ['Seville', 6.8], ['Zaragoza', 6.7], ['Málaga', 5.8], ['Murcia', 4.6], ['Palma', 4.2], ['Bilbao', 3.5], ['Alicante', 3.4], ['Valladolid', 3], ['Granada', 2.3]],
    mailDomains: ['gmail.com', 'hotmail.es', 'yahoo.es', 'outlook.es', 'telefonica.net'],
  },
  {
    name: 'Italy',
    weight: 7,
    firstNames: ['Giulia', 'Sofia', 'Aurora', 'Alice', 'Ginevra', 'Martina', 'Chiara', 'Francesca', 'Sara', 'Elena', 'Leonardo', 'Francesco', 'Alessandro', 'Lorenzo', 'Matteo', 'Andrea', 'Marco', 'Luca', 'Davide', 'Giuseppe'],
    lastNames: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', 'De Luca', 'Mancini', 'Costa', 'Giordano', 'Rizzo', 'Lombardi', 'Moretti'],
    cities: [['Rome', 28], ['Milan', 14], ['Naples', 9.2], ['Turin', 8.5], ['Palermo', 6.3], ['Genoa', 5.7], ['Bologna', 3.9], ['Florence', 3.7], ['Bari', 3.2], ['Catania', 3], ['Verona', 2.6], ['Venice', 2.5]],
    mailDomains: ['gmail.com', 'libero.it', 'hotmail.it', 'yahoo.it', 'virgilio.it', 'tiscali.it'],
  },
  {
    name: 'Netherlands',
    weight: 6,
    firstNames: ['Emma', 'Julia', 'Mila', 'Tess', 'Sophie', 'Zoë', 'Sara', 'Nora', 'Fleur', 'Anna', 'Noah', 'Sem', 'Lucas', 'Levi', 'Finn', 'Daan', 'Luuk', 'Milan', 'Bram', 'Thijs'],
    lastNames: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'van Leeuwen', 'Dekker', 'Brouwer'],
    cities: [['Amsterdam', 9], ['Rotterdam', 6.5], ['The Hague', 5.5], ['Utrecht', 3.6], ['Eindhoven', 2.4], ['Groningen', 2.3], ['Tilburg', 2.2], ['Almere', 2.1], ['Breda', 1.8], ['Nijmegen', 1.8]],
    mailDomains: ['gmail.com', 'ziggo.nl', 'kpnmail.nl', 'hotmail.nl', 'outlook.com'],
  },
  {
    name: 'Switzerland',
    weight: 4,
    firstNames: ['Mia', 'Emma', 'Léa', 'Lina', 'Elena', 'Chloé', 'Laura', 'Nina', 'Noah', 'Liam', 'Luca', 'Gabriel', 'Elias', 'Samuel', 'Louis', 'Nico'],
    lastNames: ['Müller', 'Meier', 'Schmid', 'Keller', 'Weber', 'Huber', 'Schneider', 'Meyer', 'Steiner', 'Fischer', 'Favre', 'Rochat', 'Bonvin', 'Gerber', 'Brunner', 'Baumann'],
    cities: [['Zurich', 4.2], ['Geneva', 2], ['Basel', 1.7], ['Lausanne', 1.4], ['Bern', 1.3], ['Winterthur', 1.1], ['Lucerne', 0.8], ['St. Gallen', 0.8], ['Lugano', 0.6], ['Fribourg', 0.4]],
    mailDomains: ['gmail.com', 'bluewin.ch', 'gmx.ch', 'hotmail.ch', 'sunrise.ch'],
  },
  {
    name: 'Portugal',
    weight: 3,
    firstNames: ['Maria', 'Leonor', 'Matilde', 'Beatriz', 'Carolina', 'Mariana', 'Ana', 'Inês', 'Francisco', 'Afonso', 'João', 'Tomás', 'Duarte', 'Rodrigo', 'Miguel', 'Pedro'],
    lastNames: ['Silva', 'Santos', 'Ferreira', 'Pereira', 'Oliveira', 'Costa', 'Rodrigues', 'Martins', 'Jesus', 'Sousa', 'Fernandes', 'Gonçalves', 'Gomes', 'Lopes', 'Marques', 'Almeida'],
    cities: [['Lisbon', 5.5], ['Porto', 2.3], ['Braga', 1.9], ['Coimbra', 1.4], ['Funchal', 1.1], ['Aveiro', 0.8], ['Faro', 0.6], ['Setúbal', 1.2]],
    mailDomains: ['gmail.com', 'sapo.pt', 'hotmail.com', 'outlook.pt'],
  },
  {
    name: 'Luxembourg',
    weight: 1.5,
    firstNames: ['Emma', 'Léa', 'Mia', 'Zoé', 'Sofia', 'Gabriel', 'Leo', 'Luca', 'Noah', 'Ben'],
    lastNames: ['Schmit', 'Muller', 'Weber', 'Wagner', 'Hoffmann', 'Thill', 'Schmitz', 'Kieffer', 'Reuter', 'Klein'],
    cities: [['Luxembourg', 13], ['Esch-sur-Alzette', 3.6], ['Differdange', 2.8], ['Dudelange', 2.1]],
    mailDomains: ['gmail.com', 'pt.lu', 'hotmail.com'],
  },
  {
    name: 'Austria',
    weight: 2.5,
    firstNames: ['Anna', 'Emma', 'Marie', 'Lena', 'Laura', 'Sophie', 'Paul', 'Jakob', 'David', 'Felix', 'Maximilian', 'Tobias'],
    lastNames: ['Gruber', 'Huber', 'Bauer', 'Wagner', 'Müller', 'Pichler', 'Steiner', 'Moser', 'Mayer', 'Hofer', 'Leitner', 'Berger'],
    cities: [['Vienna', 19], ['Graz', 2.9], ['Linz', 2], ['Salzburg', 1.5], ['Innsbruck', 1.3], ['Klagenfurt', 1]],
    mailDomains: ['gmail.com', 'gmx.at', 'aon.at', 'chello.at'],
  },
  {
    name: 'Ireland',
    weight: 2,
    firstNames: ['Grace', 'Emily', 'Fiadh', 'Sophie', 'Aoife', 'Saoirse', 'Jack', 'Noah', 'James', 'Conor', 'Seán', 'Oisín'],
    lastNames: ['Murphy', 'Kelly', "O'Sullivan", 'Walsh', 'Smith', "O'Brien", 'Byrne', 'Ryan', "O'Connor", "O'Neill", 'Doyle', 'McCarthy'],
    cities: [['Dublin', 12], ['Cork', 2.2], ['Limerick', 1], ['Galway', 0.8], ['Waterford', 0.6]],
    mailDomains: ['gmail.com', 'eircom.net', 'hotmail.com', 'yahoo.ie'],
  },
];

/**
 * The fixed vocabulary of the scenario: departments, names, the apps and roles every size has, and the
 * well-known ids of Microsoft first-party apps and Entra built-in roles (their real template ids).
 */

export const COMPANY_DOMAIN = 'contoso.com'
/** Entra's initial domain; Okta logins use it, and the policy maps it to the company domain. */
export const ALIAS_DOMAIN = 'contoso.onmicrosoft.com'
export const GUEST_DOMAINS = ['fabrikam.com', 'northwind.example', 'adatum.example'] as const

/** The tenant id that owns Microsoft's first-party service principals (appOwnerOrganizationId). */
export const MICROSOFT_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'

export const DEPARTMENTS = [
  'Finance',
  'Engineering',
  'Sales',
  'Marketing',
  'HR',
  'Legal',
  'Operations',
  'Support',
  'IT',
  'Security',
  'Product',
  'Procurement',
] as const

export const GROUP_NOUNS = [
  'Reports',
  'Shared-Drive',
  'Dashboards',
  'Projects',
  'Tools',
  'Analytics',
  'Contractors-VPN',
  'Wiki-Editors',
  'Planning',
  'Archive',
] as const

export const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Amara',
  'Ana',
  'Ben',
  'Carla',
  'Chen',
  'Dana',
  'David',
  'Elena',
  'Emeka',
  'Eva',
  'Farah',
  'Frank',
  'Grace',
  'Hana',
  'Hugo',
  'Ines',
  'Ivan',
  'Jamal',
  'Jana',
  'John',
  'Kai',
  'Kofi',
  'Lara',
  'Leo',
  'Lina',
  'Luis',
  'Maya',
  'Mei',
  'Nia',
  'Noah',
  'Omar',
  'Priya',
  'Raj',
  'Rosa',
  'Sam',
  'Sara',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Yara',
  'Yusuf',
  'Zoe',
] as const

export const LAST_NAMES = [
  'Abe',
  'Adeyemi',
  'Bauer',
  'Brown',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Gupta',
  'Haddad',
  'Ito',
  'Jensen',
  'Kim',
  'Kowalski',
  'Li',
  'Lopez',
  'Martin',
  'Meyer',
  'Mensah',
  'Moreau',
  'Nakamura',
  'Novak',
  'Okafor',
  'Olsen',
  'Park',
  'Patel',
  'Petrov',
  'Quinn',
  'Rossi',
  'Sato',
  'Schmidt',
  'Silva',
  'Smith',
  'Tanaka',
  'Torres',
  'Usman',
  'Varga',
  'Wang',
  'Weber',
  'Yilmaz',
  'Zhang',
] as const

/** Entra built-in directory roles with their real template ids. */
export const DIRECTORY_ROLES = [
  { id: '62e90394-69f5-4237-9190-012177145e10', name: 'Global Administrator' },
  { id: 'e8611ab8-c189-46e8-94e1-60213ab1f814', name: 'Privileged Role Administrator' },
  { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', name: 'User Administrator' },
  { id: '194ae4cb-b126-40b2-bd5b-6091b380977d', name: 'Security Administrator' },
  { id: '5d6b6bb7-de71-4623-b4af-96380a352509', name: 'Security Reader' },
  { id: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', name: 'Application Administrator' },
  { id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', name: 'Helpdesk Administrator' },
  { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', name: 'Global Reader' },
  { id: '29232cdf-9323-42fd-ade2-1d097af3e4de', name: 'Exchange Administrator' },
  { id: 'b0f54661-2d74-4c50-afa3-1ec803f12efe', name: 'Billing Administrator' },
] as const

/** Okta standard admin roles (type, label). */
export const OKTA_ROLES = [
  { type: 'SUPER_ADMIN', label: 'Super Administrator' },
  { type: 'ORG_ADMIN', label: 'Organization Administrator' },
  { type: 'APP_ADMIN', label: 'Application Administrator' },
  { type: 'USER_ADMIN', label: 'Group Administrator' },
  { type: 'HELP_DESK_ADMIN', label: 'Help Desk Administrator' },
  { type: 'READ_ONLY_ADMIN', label: 'Read Only Administrator' },
] as const

/** Microsoft first-party apps: present in every tenant, owned by Microsoft's tenant, excluded by accord. */
export const MICROSOFT_APPS = [
  { appId: '00000003-0000-0000-c000-000000000000', name: 'Microsoft Graph' },
  { appId: '00000002-0000-0ff1-ce00-000000000000', name: 'Office 365 Exchange Online' },
  { appId: '00000003-0000-0ff1-ce00-000000000000', name: 'Office 365 SharePoint Online' },
  { appId: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe', name: 'Microsoft Teams Services' },
] as const

/** Entra enterprise apps every size has, with the roles users are assigned. */
export const FIXED_ENTRA_APPS = [
  { name: 'Payroll', roles: ['Reader', 'Payments-Create', 'Payments-Approve'] },
  { name: 'Salesforce', roles: ['Standard-User', 'System-Administrator'] },
  { name: 'GitHub', roles: ['Member', 'Owner'] },
] as const

/** Generated Entra apps (more at larger sizes), each with these roles. */
export const ENTRA_APP_NAMES = [
  'Tableau',
  'Jenkins',
  'Confluence',
  'Figma',
  'DocuSign',
  'Snowflake',
  'Datadog',
  'Miro',
  'Coupa',
  'Zendesk',
  'HubSpot',
  'Greenhouse',
  'Looker',
  'Notion',
  'PagerDuty',
  'Sentry',
  'Grafana',
  'Asana',
  'Box',
  'Adobe-Sign',
] as const
export const ENTRA_APP_ROLES = ['Viewer', 'Editor', 'Manager'] as const

export const FIXED_OKTA_APPS = ['Slack', 'Zoom', 'Change Advisory Board', 'AWS Console', 'Workday'] as const
export const OKTA_APP_NAMES = [
  'Dropbox',
  'Gong',
  'Loom',
  'Lucid',
  'Okta Dashboard Links',
  'Calendly',
  'Expensify',
  'Lattice',
  'Rippling',
  '1Password',
  'Airtable',
  'Canva',
  'Smartsheet',
  'Webex',
  'Zapier',
  'Postman',
] as const

export const CATALOG_ITEMS = {
  access: 'Access Request',
  serviceAccount: 'Service Account Request',
  laptop: 'Laptop Request',
} as const

/** Jira custom fields of the ACCESS project (registered in `tenant.jira.fields`). */
export const JIRA_FIELDS = {
  beneficiary: { id: 'customfield_10071', name: 'Beneficiary email' },
  action: { id: 'customfield_10072', name: 'Action' },
  entitlements: { id: 'customfield_10073', name: 'Entitlements' },
  targetSystem: { id: 'customfield_10074', name: 'Target system' },
  endDate: { id: 'customfield_10075', name: 'End date' },
} as const

export const JIRA_ACTIONS = { grant: 'Add', revoke: 'Remove', service_account: 'Service account' } as const
export const SN_ACTIONS = { grant: 'add', revoke: 'remove', service_account: 'service_account' } as const

/** Groups the service-account tickets name as their target (the shared ticket mapping requires one). */
export const WORKLOAD_GROUPS = { entra: 'Workload-Identities', okta: 'Service-Integrations' } as const

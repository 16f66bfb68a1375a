/** Who a valid access token says its bearer is. */
export interface Identity {
  userId: number;
  username: string;
  roles: string[];
}
